import { act, renderHook } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { FakeWebSocket, FakeWebSocketImpl } from "@/test/fakeWebSocket"
import {
  CLOSE_UNAUTHORIZED,
  RECONNECT_ATTEMPT_LIMIT,
  RECONNECT_BASE_DELAY_MS,
  RECONNECT_MAX_DELAY_MS,
  ReadyState,
  reconnectDelay,
  useWebSocket,
} from "./useWebSocket"

beforeEach(() => {
  FakeWebSocket.reset()
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe("reconnectDelay", () => {
  it("doubles from the base delay and stops at the ceiling", () => {
    expect(reconnectDelay(0)).toBe(RECONNECT_BASE_DELAY_MS)
    expect(reconnectDelay(1)).toBe(RECONNECT_BASE_DELAY_MS * 2)
    expect(reconnectDelay(3)).toBe(RECONNECT_BASE_DELAY_MS * 8)
    expect(reconnectDelay(40)).toBe(RECONNECT_MAX_DELAY_MS)
  })
})

describe("useWebSocket", () => {
  it("reports CONNECTING then OPEN", () => {
    const { result } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl }),
    )
    expect(result.current.readyState).toBe(ReadyState.CONNECTING)
    act(() => FakeWebSocket.last.open())
    expect(result.current.readyState).toBe(ReadyState.OPEN)
  })

  it("when the connection drops then reconnects after exponentially growing delays", () => {
    renderHook(() => useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl }))
    expect(FakeWebSocket.instances).toHaveLength(1)

    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS - 1))
    expect(FakeWebSocket.instances).toHaveLength(1)
    act(() => vi.advanceTimersByTime(1))
    expect(FakeWebSocket.instances).toHaveLength(2)

    // Second failure in a row: the wait doubles.
    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS * 2 - 1))
    expect(FakeWebSocket.instances).toHaveLength(2)
    act(() => vi.advanceTimersByTime(1))
    expect(FakeWebSocket.instances).toHaveLength(3)
  })

  it("after a successful open the backoff starts again from the base delay", () => {
    const { result } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl }),
    )
    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS))
    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS * 2))
    expect(result.current.reconnectAttempts).toBe(2)
    act(() => FakeWebSocket.last.open())
    expect(result.current.reconnectAttempts).toBe(0)

    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS))
    expect(FakeWebSocket.instances).toHaveLength(4)
  })

  it("gives up after the attempt limit and reports CLOSED", () => {
    const { result } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl }),
    )
    for (let attempt = 0; attempt < RECONNECT_ATTEMPT_LIMIT; attempt++) {
      act(() => FakeWebSocket.last.drop())
      act(() => vi.advanceTimersByTime(RECONNECT_MAX_DELAY_MS))
    }
    const created = FakeWebSocket.instances.length
    expect(created).toBe(RECONNECT_ATTEMPT_LIMIT + 1)
    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_MAX_DELAY_MS * 2))
    expect(FakeWebSocket.instances).toHaveLength(created)
    expect(result.current.readyState).toBe(ReadyState.CLOSED)
  })

  it("asks for the URL again on every attempt", () => {
    let n = 0
    renderHook(() =>
      useWebSocket(() => `ws://test/ws?attempt=${n++}`, { WebSocketImpl: FakeWebSocketImpl }),
    )
    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS))
    expect(FakeWebSocket.instances.map((s) => s.url)).toEqual([
      "ws://test/ws?attempt=0",
      "ws://test/ws?attempt=1",
    ])
  })

  it("parses JSON messages and drops ones that are not JSON", () => {
    const onJsonMessage = vi.fn()
    renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl, onJsonMessage }),
    )
    act(() => FakeWebSocket.last.open())
    act(() => FakeWebSocket.last.receive("not json {"))
    act(() => FakeWebSocket.last.receive({ id: 1, kind: "trade" }))
    expect(onJsonMessage).toHaveBeenCalledTimes(1)
    expect(onJsonMessage).toHaveBeenCalledWith({ id: 1, kind: "trade" })
  })

  it("queues messages sent before OPEN and flushes them in order on open", () => {
    const { result } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl }),
    )
    act(() => result.current.sendJsonMessage({ n: 1 }))
    act(() => result.current.sendJsonMessage({ n: 2 }))
    expect(FakeWebSocket.last.sent).toEqual([])
    act(() => FakeWebSocket.last.open())
    expect(FakeWebSocket.last.sent).toEqual(['{"n":1}', '{"n":2}'])
  })

  it("on unmount closes the socket and never reconnects", () => {
    const { unmount } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl }),
    )
    const socket = FakeWebSocket.last
    act(() => socket.open())
    unmount()
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED)
    act(() => vi.advanceTimersByTime(RECONNECT_MAX_DELAY_MS * 4))
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it("when the server rejects the token then reports it and does not reconnect", () => {
    const onUnauthorized = vi.fn()
    const { result } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl, onUnauthorized }),
    )
    act(() => FakeWebSocket.last.drop(CLOSE_UNAUTHORIZED))
    act(() => vi.advanceTimersByTime(RECONNECT_MAX_DELAY_MS * 2))
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(result.current.readyState).toBe(ReadyState.CLOSED)
  })

  it("when the server closes for any other reason then reconnects", () => {
    const onUnauthorized = vi.fn()
    renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl, onUnauthorized }),
    )
    act(() => FakeWebSocket.last.drop(1013))
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS))
    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it("when disabled does not connect", () => {
    const { result } = renderHook(() =>
      useWebSocket(() => "ws://test/ws", { WebSocketImpl: FakeWebSocketImpl, enabled: false }),
    )
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(result.current.readyState).toBe(ReadyState.UNINSTANTIATED)
  })
})
