import { useMutation, useQuery } from "@tanstack/react-query"
import { Power, RotateCcw } from "lucide-react"
import { useState } from "react"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { canOperate } from "@/hooks/useAuth"
import { api, handleError } from "@/lib/api"
import { commandQuery } from "@/lib/queries"
import { commandIdOf, isCommandFinished } from "@/lib/risk"
import type { User } from "@/lib/types"
import { formatTime } from "@/lib/utils"

interface KillSwitchProps {
  user: User | null
}

/** How often a pending command is polled (the live feed usually answers first). */
const COMMAND_POLL_MS = 1000

/** Kill / re-arm for operators; the command is queued, and the engine carries it out. */
const KillSwitch = ({ user }: KillSwitchProps) => {
  const allowed = canOperate(user)
  const [commandId, setCommandId] = useState<string | null>(null)
  const command = useQuery({
    ...commandQuery(commandId ?? ""),
    enabled: commandId !== null,
    refetchInterval: (query) => (isCommandFinished(query.state.data) ? false : COMMAND_POLL_MS),
  })
  const mutation = useMutation({
    mutationFn: (action: "kill" | "rearm") =>
      api.post<unknown>(`/api/risk/${action}`, { line: "both" }),
    onSuccess: (response) => setCommandId(commandIdOf(response)),
  })
  const status = command.data?.status ?? (commandId ? "pending" : null)

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-base">Kill switch</CardTitle>
        <CardDescription>
          Kill latches both lines: every new order is rejected until an operator re-arms. The
          dashboard queues the command; the engine carries it out on the gateware.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div className="flex flex-wrap gap-2">
          <Button
            variant="destructive"
            disabled={!allowed || mutation.isPending}
            onClick={() => mutation.mutate("kill")}
          >
            <Power aria-hidden />
            Kill
          </Button>
          <Button
            variant="outline"
            disabled={!allowed || mutation.isPending}
            onClick={() => mutation.mutate("rearm")}
          >
            <RotateCcw aria-hidden />
            Re-arm
          </Button>
        </div>
        {!allowed && (
          <p className="text-sm text-zinc-400" data-testid="kill-switch-denied">
            Your role is <strong>{user?.role ?? "unknown"}</strong>: only an operator or an admin
            may kill or re-arm.
          </p>
        )}
        {mutation.isError && (
          <p role="alert" className="text-sm text-red-400">
            {handleError(mutation.error)}
          </p>
        )}
        {commandId && (
          <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="command-progress">
            <span>
              Command #{commandId} ({command.data?.kind ?? mutation.variables})
            </span>
            <Badge
              variant={
                status === "done" ? "success" : status === "failed" ? "destructive" : "warning"
              }
              data-testid="command-status"
            >
              {status === "pending" ? "pending: waiting for the engine" : status}
            </Badge>
            {command.data?.result && <span className="text-zinc-400">{command.data.result}</span>}
            {command.data?.completed_ts && (
              <span className="font-mono text-xs text-zinc-500">
                at {formatTime(command.data.completed_ts)}
              </span>
            )}
          </div>
        )}
      </CardContent>
    </Card>
  )
}

export default KillSwitch
