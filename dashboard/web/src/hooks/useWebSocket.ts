/**
 * A WebSocket that stays connected: exponential backoff between attempts, a send queue held
 * until OPEN, and a URL rebuilt on every attempt so the caller can resume from the last event.
 */
import { useCallback, useEffect, useRef, useState } from "react"

/** The socket's state, as in react-use-websocket (UNINSTANTIATED before the first attempt). */
export enum ReadyState {
  UNINSTANTIATED = -1,
  CONNECTING = 0,
  OPEN = 1,
  CLOSING = 2,
  CLOSED = 3,
}

/** Delay before the first reconnect attempt. */
export const RECONNECT_BASE_DELAY_MS = 500
/** The backoff doubles per failed attempt up to this ceiling. */
export const RECONNECT_MAX_DELAY_MS = 15_000
/** Attempts after which the hook gives up until the page is reloaded. */
export const RECONNECT_ATTEMPT_LIMIT = 50
/** Close code the server sends for a missing or bad token (4000 + HTTP 401). */
export const CLOSE_UNAUTHORIZED = 4401

/** The delay before reconnect attempt `attempt` (0-based): base * 2^attempt, capped. */
export function reconnectDelay(attempt: number): number {
  return Math.min(RECONNECT_BASE_DELAY_MS * 2 ** attempt, RECONNECT_MAX_DELAY_MS)
}

export interface UseWebSocketOptions {
  /** Called with each parsed JSON message; messages that are not JSON are dropped. */
  onJsonMessage?: (message: unknown) => void
  /** Called when the server closes with CLOSE_UNAUTHORIZED; no reconnect follows. */
  onUnauthorized?: () => void
  /** False closes the socket and stops reconnecting (e.g. logged out). */
  enabled?: boolean
  /** The WebSocket class; tests pass a fake. */
  WebSocketImpl?: typeof WebSocket
}

export interface UseWebSocketResult {
  readyState: ReadyState
  /** Failed attempts since the last successful open. */
  reconnectAttempts: number
  sendJsonMessage: (message: unknown) => void
}

/**
 * Connects to the URL returned by `getUrl` and reconnects with exponential backoff.
 *
 * `getUrl` is called before every attempt, so it can add `after=<last id>` to resume.
 * Options are kept in a ref: changing callbacks never tears the connection down.
 */
export function useWebSocket(
  getUrl: () => string | null,
  options: UseWebSocketOptions = {},
): UseWebSocketResult {
  const [readyState, setReadyState] = useState<ReadyState>(ReadyState.UNINSTANTIATED)
  const [reconnectAttempts, setReconnectAttempts] = useState(0)
  const optionsRef = useRef(options)
  optionsRef.current = options
  const getUrlRef = useRef(getUrl)
  getUrlRef.current = getUrl
  const socketRef = useRef<WebSocket | null>(null)
  const queueRef = useRef<string[]>([])
  const enabled = options.enabled ?? true

  useEffect(() => {
    if (!enabled) {
      // Not a failure: nothing was attempted (e.g. the disclaimer is not acknowledged yet).
      setReadyState(ReadyState.UNINSTANTIATED)
      return
    }
    let disposed = false
    let attempt = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const Impl = optionsRef.current.WebSocketImpl ?? WebSocket

    const scheduleReconnect = () => {
      if (disposed) return
      if (attempt >= RECONNECT_ATTEMPT_LIMIT) {
        setReadyState(ReadyState.CLOSED)
        return
      }
      const delay = reconnectDelay(attempt)
      attempt += 1
      setReconnectAttempts(attempt)
      timer = setTimeout(connect, delay)
    }

    function connect() {
      if (disposed) return
      const url = getUrlRef.current()
      if (url === null) {
        setReadyState(ReadyState.CLOSED)
        return
      }
      setReadyState(ReadyState.CONNECTING)
      let socket: WebSocket
      try {
        socket = new Impl(url)
      } catch {
        scheduleReconnect()
        return
      }
      socketRef.current = socket
      socket.onopen = () => {
        if (disposed) return
        attempt = 0
        setReconnectAttempts(0)
        setReadyState(ReadyState.OPEN)
        for (const queued of queueRef.current.splice(0)) socket.send(queued)
      }
      socket.onmessage = (event: MessageEvent) => {
        if (disposed || typeof event.data !== "string") return
        let parsed: unknown
        try {
          parsed = JSON.parse(event.data)
        } catch {
          return
        }
        optionsRef.current.onJsonMessage?.(parsed)
      }
      socket.onclose = (event: CloseEvent) => {
        if (socketRef.current === socket) socketRef.current = null
        if (disposed) return
        setReadyState(ReadyState.CLOSED)
        // Retrying with a token the server rejected cannot succeed.
        if (event.code === CLOSE_UNAUTHORIZED) optionsRef.current.onUnauthorized?.()
        else scheduleReconnect()
      }
      // An error is always followed by close, which schedules the reconnect.
      socket.onerror = () => {}
    }

    connect()
    return () => {
      disposed = true
      if (timer !== undefined) clearTimeout(timer)
      const socket = socketRef.current
      socketRef.current = null
      if (socket) {
        socket.onopen = null
        socket.onmessage = null
        socket.onclose = null
        socket.onerror = null
        socket.close()
      }
    }
  }, [enabled])

  const sendJsonMessage = useCallback((message: unknown) => {
    const text = JSON.stringify(message)
    const socket = socketRef.current
    if (socket && socket.readyState === ReadyState.OPEN) socket.send(text)
    else queueRef.current.push(text)
  }, [])

  return { readyState, reconnectAttempts, sendJsonMessage }
}
