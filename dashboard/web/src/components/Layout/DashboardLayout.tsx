import { Link, Outlet } from "@tanstack/react-router"
import { Activity, BookOpen, Gauge, LogOut, ShieldAlert, UserRound } from "lucide-react"
import { ConnectionStatus } from "@/components/Common/ConnectionStatus"
import { DisclaimerBanner } from "@/components/Common/DisclaimerBanner"
import DisclaimerDialog from "@/components/Common/DisclaimerDialog"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import useAuth, { hasAcknowledged } from "@/hooks/useAuth"
import { useLiveFeed } from "@/hooks/useLiveFeed"

const NAV = [
  { to: "/", label: "Home", icon: Gauge },
  { to: "/trading", label: "Trading", icon: Activity },
  { to: "/risk", label: "Risk", icon: ShieldAlert },
  { to: "/learn", label: "Learn", icon: BookOpen },
] as const

/** The frame of every signed-in page: disclaimer, navigation, live-feed state, user menu. */
const DashboardLayout = () => {
  const { user, acknowledgeMutation, logout } = useAuth()
  const acknowledged = hasAcknowledged(user)
  // The feed only runs once the disclaimer is acknowledged: nothing live behind the gate.
  const feed = useLiveFeed(acknowledged)

  return (
    <div className="flex min-h-screen flex-col">
      <DisclaimerBanner />
      <header className="sticky top-0 z-40 border-b border-zinc-800 bg-zinc-950/95 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-6 px-4">
          <span className="font-semibold tracking-tight">
            Quantum <span className="text-sky-400">HFT</span>
          </span>
          <nav aria-label="Main" className="flex items-center gap-1">
            {NAV.map(({ to, label, icon: Icon }) => (
              <Link
                key={to}
                to={to}
                activeOptions={{ exact: to === "/" }}
                className="flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm text-zinc-400 hover:bg-zinc-800 hover:text-zinc-100"
                activeProps={{ className: "bg-zinc-800 text-zinc-100" }}
              >
                <Icon className="size-4" aria-hidden />
                {label}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <ConnectionStatus
              readyState={feed.readyState}
              reconnectAttempts={feed.reconnectAttempts}
            />
            {user && (
              <span className="flex items-center gap-1.5 text-sm text-zinc-300">
                <UserRound className="size-4" aria-hidden />
                <span data-testid="current-user">{user.username}</span>
                <Badge variant="outline">{user.role}</Badge>
              </span>
            )}
            <Button variant="ghost" size="sm" onClick={logout}>
              <LogOut aria-hidden />
              Log out
            </Button>
          </div>
        </div>
      </header>
      <main className="mx-auto w-full max-w-7xl flex-1 px-4 py-6">
        {acknowledged ? <Outlet /> : null}
      </main>
      <footer className="border-t border-zinc-800 px-4 py-3 text-center text-xs text-zinc-500">
        Paper trading only. No code path in this project can place a real-money order.
      </footer>
      <DisclaimerDialog
        open={user !== null && !acknowledged}
        onAcknowledge={() => acknowledgeMutation.mutateAsync()}
        onLogout={logout}
      />
    </div>
  )
}

export default DashboardLayout
