import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { act, renderHook } from "@testing-library/react"
import type { ReactNode } from "react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { setToken } from "@/lib/api"
import { queryKeys } from "@/lib/queries"
import { FakeWebSocket, FakeWebSocketImpl } from "@/test/fakeWebSocket"
import { useLiveFeed } from "./useLiveFeed"
import { RECONNECT_BASE_DELAY_MS } from "./useWebSocket"

function setup() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  )
  const hook = renderHook(() => useLiveFeed(true, FakeWebSocketImpl), { wrapper })
  return { queryClient, hook }
}

function trade(id: number, eventId: number) {
  return {
    id: eventId,
    ts: "2026-11-25T06:00:00Z",
    kind: "trade",
    payload: { id, ts: "2026-11-25T06:00:00Z", symbol: "BTC/USDT", side: "buy", price: "1" },
  }
}

beforeEach(() => {
  FakeWebSocket.reset()
  vi.useFakeTimers()
  setToken("secret-token")
})

afterEach(() => {
  vi.useRealTimers()
})

describe("useLiveFeed", () => {
  it("connects to /ws on this origin with the token and no resume point", () => {
    setup()
    const url = new URL(FakeWebSocket.last.url)
    expect(url.pathname).toBe("/ws")
    expect(url.host).toBe(window.location.host)
    expect(url.searchParams.get("token")).toBe("secret-token")
    expect(url.searchParams.has("after")).toBe(false)
  })

  it("after a drop resumes from the last event id seen", () => {
    setup()
    act(() => FakeWebSocket.last.open())
    act(() => FakeWebSocket.last.receive(trade(1, 41)))
    act(() => FakeWebSocket.last.receive(trade(2, 42)))
    act(() => FakeWebSocket.last.drop())
    act(() => vi.advanceTimersByTime(RECONNECT_BASE_DELAY_MS))
    expect(FakeWebSocket.instances).toHaveLength(2)
    expect(new URL(FakeWebSocket.last.url).searchParams.get("after")).toBe("42")
  })

  it("writes events into the query cache, newest first, and ignores replays", () => {
    const { queryClient } = setup()
    queryClient.setQueryData(queryKeys.trades, [])
    act(() => FakeWebSocket.last.open())
    act(() => FakeWebSocket.last.receive(trade(1, 10)))
    act(() => FakeWebSocket.last.receive(trade(2, 11)))
    // A replay of an event already applied (the server resends from `after`).
    act(() => FakeWebSocket.last.receive(trade(1, 10)))
    const rows = queryClient.getQueryData<{ id: number }[]>(queryKeys.trades)
    expect(rows?.map((row) => row.id)).toEqual([2, 1])
  })

  it("when logged out does not connect", () => {
    setToken(null)
    setup()
    expect(FakeWebSocket.instances).toHaveLength(0)
  })
})
