import { BackendBadge } from "@/components/Common/Verdict"
import { Badge } from "@/components/ui/badge"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { formatLimit, type RiskLineView } from "@/lib/risk"
import { formatTime } from "@/lib/utils"
import RejectChart from "./RejectChart"

interface RiskLinePanelProps {
  line: RiskLineView
}

const TITLES: Record<string, [string, string]> = {
  gateware: [
    "Line 1 · Gateware",
    "FPGA pre-trade checks, a fixed number of clock cycles per order.",
  ],
  drbguard: ["Line 2 · DRBGuard", "The software guard: drawdown and position risk, the last line."],
}

function stateVariant(state: string | null): "success" | "warning" | "destructive" | "outline" {
  const s = (state ?? "").toUpperCase()
  if (s === "ACTIVE" || s === "ARMED" || s === "OK") return "success"
  if (s === "REDUCING" || s === "WARN") return "warning"
  if (s) return "destructive"
  return "outline"
}

/** One risk line: state, backend, limits and its rejects by reason. */
const RiskLinePanel = ({ line }: RiskLinePanelProps) => {
  const [title, description] = TITLES[line.line] ?? [line.line, ""]
  return (
    <Card data-testid={`risk-line-${line.line}`}>
      <CardHeader>
        <div className="flex items-center justify-between gap-2">
          <CardTitle className="text-base">{title}</CardTitle>
          <Badge variant={stateVariant(line.state)} data-testid={`risk-state-${line.line}`}>
            {line.state ?? "unknown"}
          </Badge>
        </div>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <div className="flex flex-wrap items-center gap-2 text-sm text-zinc-400">
          Backend: <BackendBadge backend={line.backend} />
          <span className="ml-auto font-mono text-xs">updated {formatTime(line.ts)}</span>
        </div>
        <div>
          <h4 className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-400">Limits</h4>
          {Object.keys(line.limits).length === 0 ? (
            <p className="text-sm text-zinc-500">Not reported yet.</p>
          ) : (
            <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
              {Object.entries(line.limits).map(([name, value]) => (
                <div
                  key={name}
                  className="flex justify-between gap-2 border-b border-zinc-800 pb-0.5"
                >
                  <dt className="font-mono text-xs text-zinc-400">{name}</dt>
                  <dd className="tabular-nums">{formatLimit(value)}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
        <div>
          <h4 className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-400">
            Rejects by reason
          </h4>
          <RejectChart
            counts={line.rejectCounts}
            color={line.line === "gateware" ? "#38bdf8" : "#a78bfa"}
          />
        </div>
      </CardContent>
    </Card>
  )
}

export default RiskLinePanel
