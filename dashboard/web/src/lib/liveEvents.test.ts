import { QueryClient, QueryObserver } from "@tanstack/react-query"
import { describe, expect, it, vi } from "vitest"
import { applyLiveEvent } from "./liveEvents"
import { queryKeys } from "./queries"

function client() {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } })
}

describe("applyLiveEvent", () => {
  it("updates an order in place by client id instead of adding a row", () => {
    const queryClient = client()
    queryClient.setQueryData(queryKeys.orders, [
      { client_id: "a", status: "new" },
      { client_id: "b", status: "new" },
    ])
    applyLiveEvent(queryClient, {
      id: 5,
      ts: "2026-11-25T06:00:00Z",
      kind: "order",
      payload: { action: "updated", client_id: "a", status: "filled" },
    })
    expect(queryClient.getQueryData(queryKeys.orders)).toEqual([
      { action: "updated", client_id: "a", status: "filled" },
      { client_id: "b", status: "new" },
    ])
  })

  it("appends equity points at the end (the curve is oldest first)", () => {
    const queryClient = client()
    queryClient.setQueryData(queryKeys.equity, [{ ts: "t1", equity: "1" }])
    applyLiveEvent(queryClient, {
      id: 6,
      ts: "t2",
      kind: "equity",
      payload: { ts: "t2", equity: "2" },
    })
    expect(queryClient.getQueryData(queryKeys.equity)).toEqual([
      { ts: "t1", equity: "1" },
      { ts: "t2", equity: "2" },
    ])
  })

  it("does not create a list nobody has loaded", () => {
    const queryClient = client()
    applyLiveEvent(queryClient, { id: 7, ts: "t", kind: "trade", payload: { id: 1 } })
    expect(queryClient.getQueryData(queryKeys.trades)).toBeUndefined()
  })

  it.each([
    ["a list already shown", []],
    ["a list loading for the first time", undefined],
  ])("refetches %s when its fetch was under way as the event arrived", async (_name, initial) => {
    const queryClient = client()
    if (initial) queryClient.setQueryData(queryKeys.positions, initial)
    const pending: ((rows: unknown[]) => void)[] = []
    const queryFn = () => new Promise<unknown[]>((resolve) => pending.push(resolve))
    // The page is showing positions; a fetch starts before the position is written.
    const observer = new QueryObserver(queryClient, { queryKey: queryKeys.positions, queryFn })
    const unsubscribe = observer.subscribe(() => {})
    expect(pending).toHaveLength(1)

    const row = { symbol: "BTC/USDT", quantity: "1" }
    applyLiveEvent(queryClient, { id: 10, ts: "t", kind: "position", payload: row })
    // The early fetch answers without the row; a second one, started after the event, has it.
    pending[0]([])
    await vi.waitFor(() => expect(pending).toHaveLength(2))
    pending[1]([row])
    await vi.waitFor(() => expect(queryClient.getQueryData(queryKeys.positions)).toEqual([row]))
    unsubscribe()
  })

  it("marks the views derived from a trade stale", () => {
    const queryClient = client()
    queryClient.setQueryData(queryKeys.stats, { trade_count: 1 })
    applyLiveEvent(queryClient, { id: 8, ts: "t", kind: "trade", payload: { id: 2 } })
    expect(queryClient.getQueryState(queryKeys.stats)?.isInvalidated).toBe(true)
  })

  it("merges a command's new status into its cached row", () => {
    const queryClient = client()
    queryClient.setQueryData(queryKeys.command("3"), { id: 3, kind: "kill", status: "pending" })
    applyLiveEvent(queryClient, {
      id: 9,
      ts: "t",
      kind: "command",
      payload: { id: 3, status: "done", result: "latched" },
    })
    expect(queryClient.getQueryData(queryKeys.command("3"))).toEqual({
      id: 3,
      kind: "kill",
      status: "done",
      result: "latched",
    })
  })
})
