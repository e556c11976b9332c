/** Writes live WebSocket events into the TanStack Query cache so every table updates itself. */
import type { QueryClient, QueryKey } from "@tanstack/react-query"
import { queryKeys, TABLE_LIMIT } from "./queries"
import type { LiveEvent } from "./types"

/** How a list row is identified, per event kind (the row's own key, not the event id). */
const ROW_KEY: Record<string, string> = {
  signal: "id",
  order: "client_id",
  trade: "id",
  position: "symbol",
  risk_event: "id",
  equity: "ts",
}

const LIST_KEY: Record<string, QueryKey> = {
  signal: queryKeys.signals,
  order: queryKeys.orders,
  trade: queryKeys.trades,
  position: queryKeys.positions,
  risk_event: queryKeys.riskEvents,
  equity: queryKeys.equity,
}

/**
 * Which cached views are aggregates of rows of each kind and must be refetched (rows that
 * change come as their own events: a fill is followed by position and equity events).
 */
const DEPENDENT_KEYS: Record<string, QueryKey[]> = {
  signal: [],
  order: [["orders", "detail"], queryKeys.risk],
  trade: [queryKeys.stats],
  market: [["market"]],
  position: [queryKeys.stats],
  equity: [queryKeys.stats],
  risk_event: [queryKeys.risk],
  guard_status: [queryKeys.risk, queryKeys.limits],
  command: [queryKeys.risk, ["commands"]],
}

function upsertRow(
  rows: Record<string, unknown>[],
  row: Record<string, unknown>,
  key: string,
  append: boolean,
): Record<string, unknown>[] {
  const id = row[key]
  const rest = id === undefined ? rows : rows.filter((existing) => existing[key] !== id)
  if (append) return [...rest, row]
  return [row, ...rest].slice(0, TABLE_LIMIT)
}

/**
 * Applies one event: upserts its payload into the matching list, then marks the views
 * derived from it stale so they refetch (the payload alone cannot update aggregates).
 */
export function applyLiveEvent(queryClient: QueryClient, event: LiveEvent): void {
  const listKey = LIST_KEY[event.kind]
  const rowKey = ROW_KEY[event.kind]
  const payload = event.payload
  if (listKey && rowKey && payload && typeof payload === "object") {
    // The equity curve is oldest-first (a chart); tables are newest-first.
    const append = event.kind === "equity"
    queryClient.setQueryData<Record<string, unknown>[]>(listKey, (old) =>
      old ? upsertRow(old, payload, rowKey, append) : old,
    )
    // A fetch that began before this event was written can land after it and drop the row:
    // cancel it and fetch again, now that the row is in the database. (invalidateQueries
    // alone would join the in-flight fetch of a list that has no data yet.)
    const filters = { queryKey: listKey, exact: true }
    if (queryClient.isFetching(filters) > 0)
      void queryClient
        .cancelQueries(filters)
        .then(() => queryClient.refetchQueries({ ...filters, type: "active" }))
  }
  if (event.kind === "command" && payload && "id" in payload) {
    queryClient.setQueryData(queryKeys.command(String(payload.id)), (old: object | undefined) =>
      old ? { ...old, ...payload } : payload,
    )
  }
  for (const key of DEPENDENT_KEYS[event.kind] ?? []) {
    void queryClient.invalidateQueries({ queryKey: key })
  }
  if (listKey) void queryClient.invalidateQueries({ queryKey: listKey, refetchType: "none" })
}
