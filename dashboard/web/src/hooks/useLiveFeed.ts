/** The dashboard's live feed: /ws with the token, resumed after the last event id seen. */
import { useQueryClient } from "@tanstack/react-query"
import { useCallback, useRef } from "react"
import { getToken, notifyUnauthorized } from "@/lib/api"
import { applyLiveEvent } from "@/lib/liveEvents"
import type { LiveEvent } from "@/lib/types"
import { type ReadyState, useWebSocket } from "./useWebSocket"

/** Builds the same-origin /ws URL; `after` resumes from the last event already applied. */
export function liveFeedUrl(location: Location, token: string, after: number | null): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:"
  const params = new URLSearchParams({ token })
  if (after !== null) params.set("after", String(after))
  return `${scheme}//${location.host}/ws?${params.toString()}`
}

function isLiveEvent(value: unknown): value is LiveEvent {
  if (!value || typeof value !== "object") return false
  const event = value as Partial<LiveEvent>
  return typeof event.id === "number" && typeof event.kind === "string"
}

export interface LiveFeed {
  readyState: ReadyState
  reconnectAttempts: number
  lastEventId: number | null
}

/** Keeps the query cache in step with the server's event outbox while logged in. */
export function useLiveFeed(enabled: boolean, WebSocketImpl?: typeof WebSocket): LiveFeed {
  const queryClient = useQueryClient()
  const lastEventId = useRef<number | null>(null)

  const getUrl = useCallback(() => {
    const token = getToken()
    return token ? liveFeedUrl(window.location, token, lastEventId.current) : null
  }, [])

  const onJsonMessage = useCallback(
    (message: unknown) => {
      if (!isLiveEvent(message)) return
      // After a reconnect the server replays from `after`; never apply an event twice.
      if (lastEventId.current !== null && message.id <= lastEventId.current) return
      lastEventId.current = message.id
      applyLiveEvent(queryClient, message)
    },
    [queryClient],
  )

  const { readyState, reconnectAttempts } = useWebSocket(getUrl, {
    enabled,
    onJsonMessage,
    onUnauthorized: notifyUnauthorized,
    WebSocketImpl,
  })
  return { readyState, reconnectAttempts, lastEventId: lastEventId.current }
}
