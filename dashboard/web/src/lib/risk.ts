/** Reads GET /api/risk into one view per risk line, whatever grouping the server uses. */
import type { Command } from "./types"

export interface RiskLineView {
  line: string
  backend: string | null
  state: string | null
  ts: string | number | null
  limits: Record<string, unknown>
  rejectCounts: Record<string, number>
  /** Market-data age per feed, in milliseconds. */
  feedAgeMs: Record<string, number | null>
}

type Dict = Record<string, unknown>

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === "object" && !Array.isArray(value)
}

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {}
  if (!isDict(value)) return out
  for (const [key, raw] of Object.entries(value)) {
    const n = typeof raw === "number" ? raw : Number(raw)
    if (Number.isFinite(n)) out[key] = n
  }
  return out
}

/**
 * The line's own counters, plus reasons only the orders table knows (a line that restarted
 * has lost its counters, but the recorded orders still show what it rejected).
 */
function mergeCounts(own: Record<string, number>, fromOrders: Record<string, number>) {
  const out = { ...own }
  for (const [reason, count] of Object.entries(fromOrders))
    out[reason] = Math.max(out[reason] ?? 0, count)
  return out
}

function toLine(name: string, raw: Dict): RiskLineView {
  // A guard_status row nests the snapshot under `status`; a flat dict carries it directly.
  const status = isDict(raw.status) ? raw.status : raw
  // The server's cleaned top-level fields win over the raw snapshot's.
  const pick = (key: string) => raw[key] ?? status[key]
  const age = pick("feed_age_ms") ?? pick("market_data_age_ms") ?? pick("market_data_age")
  const feedAgeMs: Record<string, number | null> = {}
  if (isDict(age))
    for (const [feed, ms] of Object.entries(age)) feedAgeMs[feed] = ms === null ? null : Number(ms)
  const state = pick("state")
  const backend = raw.backend ?? status.backend
  return {
    line: String(raw.line ?? name),
    backend: typeof backend === "string" ? backend : null,
    state: typeof state === "string" ? state : null,
    ts: (raw.ts as string | number | undefined) ?? null,
    limits: isDict(pick("limits")) ? (pick("limits") as Dict) : {},
    rejectCounts: mergeCounts(numbers(pick("reject_counts")), numbers(raw.order_reject_counts)),
    feedAgeMs,
  }
}

/** The known lines first (gateware, then drbguard), then any other the server reports. */
export function riskLines(snapshot: unknown): RiskLineView[] {
  if (!isDict(snapshot)) return []
  const found = new Map<string, RiskLineView>()
  const list = Array.isArray(snapshot.lines) ? snapshot.lines : null
  if (list) {
    for (const raw of list)
      if (isDict(raw)) found.set(String(raw.line), toLine(String(raw.line), raw))
  } else {
    const source = isDict(snapshot.lines) ? snapshot.lines : snapshot
    for (const [name, raw] of Object.entries(source)) {
      if (
        isDict(raw) &&
        (name === "gateware" || name === "drbguard" || "state" in raw || "status" in raw)
      )
        found.set(name, toLine(name, raw))
    }
  }
  const order = ["gateware", "drbguard"]
  return [...found.values()].sort(
    (a, b) => (order.indexOf(a.line) + 1 || 99) - (order.indexOf(b.line) + 1 || 99),
  )
}

/** Market-data age per feed: the server's top-level map, else the lines' own. */
export function feedAges(snapshot: unknown, lines: RiskLineView[]): Record<string, number | null> {
  const top = isDict(snapshot)
    ? (snapshot.market_data_age_ms ?? snapshot.feed_age_ms ?? snapshot.market_data_age)
    : null
  if (isDict(top)) {
    const out: Record<string, number | null> = {}
    for (const [feed, ms] of Object.entries(top)) out[feed] = ms === null ? null : Number(ms)
    return out
  }
  return Object.assign({}, ...lines.map((line) => line.feedAgeMs))
}

/** A command is finished once the engine has marked it done or failed. */
export function isCommandFinished(command: Pick<Command, "status"> | null | undefined): boolean {
  return command?.status === "done" || command?.status === "failed"
}

/** POST /api/risk/kill may answer with the command or with its id alone. */
export function commandIdOf(response: unknown): string | null {
  if (typeof response === "number" || typeof response === "string") return String(response)
  if (!isDict(response)) return null
  const id =
    response.command_id ?? response.id ?? (isDict(response.command) ? response.command.id : null)
  return id === null || id === undefined ? null : String(id)
}

/**
 * One limit's value as the Risk page shows it. A per-symbol map lists its entries; an empty
 * one means no symbol overrides the instrument's own default.
 */
export function formatLimit(value: unknown): string {
  if (value === null || value === undefined) return "—"
  if (typeof value !== "object") return String(value)
  const entries = Object.entries(value as Dict)
  if (entries.length === 0) return "instrument defaults"
  return entries.map(([key, item]) => `${key} ${formatLimit(item)}`).join(", ")
}
