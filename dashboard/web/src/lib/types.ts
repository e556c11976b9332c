/** Shapes of the dashboard server's JSON (dashboard/server), as the UI reads them. */

export type Role = "viewer" | "operator" | "admin"

export interface User {
  username: string
  role: Role
  acknowledged_disclaimer: boolean
}

export interface LoginResponse {
  access_token: string
  token_type: string
  user: User
}

/** Decimals arrive as text so that no precision is lost; read them with `num()`. */
export type Num = number | string

export interface Stats {
  pnl?: Num | null
  realized_pnl?: Num | null
  unrealized_pnl?: Num | null
  equity?: Num | null
  max_drawdown?: Num | null
  hit_rate?: Num | null
  trades?: Num | null
  fees?: Num | null
  latency?: Record<string, Num | null> | null
  [key: string]: unknown
}

export interface EquityPoint {
  ts: string | number
  equity: Num
  pnl?: Num | null
  drawdown?: Num | null
}

export interface Signal {
  id: number | string
  ts: string | number
  symbol: string
  kind?: string
  side?: string | null
  strength?: Num | null
  detail?: Record<string, unknown> | null
  [key: string]: unknown
}

/** A line's view of an order in `detail.gateware` / `detail.drbguard`. */
export interface LineDecision {
  ts?: string | number | null
  reason?: string | null
  rule?: string | null
  inputs?: unknown
  limit?: unknown
  [key: string]: unknown
}

export interface Order {
  id?: number | string
  client_id: string
  ts?: string | number
  updated_ts?: string | number
  symbol: string
  side: string
  kind?: string
  quantity?: Num | null
  filled_quantity?: Num | null
  average_price?: Num | null
  price?: Num | null
  status?: string | null
  gateware_backend?: string | null
  /** A Reason name from hdl/protocol.py; null or "ACCEPT" is an accept. */
  gateware_reason?: string | null
  gateware_latency_us?: number | null
  /** null also means "not reached" when the gateware rejected first. */
  drb_reason?: string | null
  detail?: Record<string, unknown> | null
  [key: string]: unknown
}

export interface Trade {
  id: number | string
  ts: string | number
  client_id?: string | null
  symbol: string
  side: string
  price: Num
  quantity?: Num | null
  fee?: Num | null
  liquidity?: string | null
  realized_pnl?: Num | null
  [key: string]: unknown
}

export interface Position {
  symbol: string
  ts?: string | number
  quantity?: Num | null
  average_price?: Num | null
  unrealized_pnl?: Num | null
  realized_pnl?: Num | null
  [key: string]: unknown
}

export interface TimelineStep {
  ts?: string | number | null
  stage?: string
  kind?: string
  name?: string
  verdict?: string | null
  reason?: string | null
  rule?: string | null
  inputs?: Record<string, unknown> | null
  limit?: unknown
  detail?: unknown
  [key: string]: unknown
}

export interface OrderDetail extends Order {
  timeline?: TimelineStep[]
}

export interface RiskLine {
  name?: string
  state?: string | null
  backend?: string | null
  limits?: Record<string, unknown> | null
  reject_counts?: Record<string, number> | null
  [key: string]: unknown
}

export interface RiskSnapshot {
  gateware?: RiskLine | null
  guard?: RiskLine | null
  gateware_backend?: string | null
  market_data_age?: Record<string, number | null> | null
  kill_latched?: boolean | null
  [key: string]: unknown
}

export interface RiskEvent {
  id: number | string
  ts: string | number
  kind?: string
  reason?: string | null
  actor?: string | null
  detail?: unknown
  [key: string]: unknown
}

/** An operator command; the engine moves it from "pending" to "done" or "failed". */
export interface Command {
  id: number | string
  ts?: string | number | null
  kind?: string
  payload?: Record<string, unknown> | null
  actor?: string | null
  status: string
  result?: string | null
  completed_ts?: string | number | null
  [key: string]: unknown
}

export interface Lesson {
  slug: string
  title: string
  markdown?: string
  content?: string
  [key: string]: unknown
}

export type LiveEventKind =
  | "signal"
  | "order"
  | "trade"
  | "position"
  | "equity"
  | "risk_event"
  | "guard_status"
  | "command"

export interface LiveEvent {
  id: number
  ts: string | number
  kind: LiveEventKind | string
  payload: Record<string, unknown>
}
