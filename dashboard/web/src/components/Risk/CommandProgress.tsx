import { useQuery } from "@tanstack/react-query"
import { Badge } from "@/components/ui/badge"
import { commandQuery } from "@/lib/queries"
import { isCommandFinished } from "@/lib/risk"
import { formatTime } from "@/lib/utils"

/** How often a pending command is polled (the live feed usually answers first). */
export const COMMAND_POLL_MS = 1000

interface CommandProgressProps {
  commandId: string
  label: string
}

/** An operator command from "pending" until the engine reports it done or failed. */
const CommandProgress = ({ commandId, label }: CommandProgressProps) => {
  const command = useQuery({
    ...commandQuery(commandId),
    refetchInterval: (query) => (isCommandFinished(query.state.data) ? false : COMMAND_POLL_MS),
  })
  const status = command.data?.status ?? "pending"
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="command-progress">
      <span>
        Command #{commandId} ({command.data?.kind ?? label})
      </span>
      <Badge
        variant={status === "done" ? "success" : status === "failed" ? "destructive" : "warning"}
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
  )
}

export default CommandProgress
