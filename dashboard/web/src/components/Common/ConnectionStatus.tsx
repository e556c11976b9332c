import { Badge } from "@/components/ui/badge"
import { ReadyState } from "@/hooks/useWebSocket"

interface ConnectionStatusProps {
  readyState: ReadyState
  reconnectAttempts: number
}

const LABELS: Record<ReadyState, string> = {
  [ReadyState.UNINSTANTIATED]: "Not connected",
  [ReadyState.CONNECTING]: "Connecting",
  [ReadyState.OPEN]: "Live",
  [ReadyState.CLOSING]: "Closing",
  [ReadyState.CLOSED]: "Disconnected",
}

/** The live feed's state in the header, so a stale page is never mistaken for a quiet market. */
export const ConnectionStatus = ({ readyState, reconnectAttempts }: ConnectionStatusProps) => {
  const variant =
    readyState === ReadyState.OPEN
      ? "success"
      : readyState === ReadyState.CONNECTING
        ? "warning"
        : readyState === ReadyState.UNINSTANTIATED
          ? "outline"
          : "destructive"
  const retry = readyState !== ReadyState.OPEN && reconnectAttempts > 0
  return (
    <Badge variant={variant} data-testid="connection-status" title="Live event feed (WebSocket)">
      <span className="mr-1.5 inline-block size-1.5 rounded-full bg-current" aria-hidden />
      {LABELS[readyState]}
      {retry ? ` (retry ${reconnectAttempts})` : ""}
    </Badge>
  )
}
