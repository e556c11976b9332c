/**
 * Shapes of the dashboard server's JSON (dashboard/server/models.py), as the UI reads them.
 * Every field here must exist in the server's OpenAPI schema named in the `@schema` tag:
 * tests/dashboard/web/test_web_app.py checks it, so a renamed field fails CI, not a user.
 */

export type Role = "viewer" | "operator" | "admin"

/** @schema UserPublic */
export interface User {
  id?: number
  username: string
  role: Role
  is_active?: boolean
  /** When this user acknowledged the disclaimer; null until they do. */
  disclaimer_acknowledged_at?: string | null
}

/** @schema Token */
export interface LoginResponse {
  access_token: string
  token_type: string
  expires_at?: string
  user: User
}

/** Decimals arrive as text so that no precision is lost; read them with `num()`. */
export type Num = number | string

/** @schema LatencyStats */
export interface LatencyStats {
  count?: number
  p50_us?: number | null
  p99_us?: number | null
  max_us?: number | null
  mean_us?: number | null
  backends?: string[]
}

/** @schema Stats */
export interface Stats {
  realized_pnl?: Num | null
  unrealized_pnl?: Num | null
  fees?: Num | null
  /** realized - fees + unrealized */
  net_pnl?: Num | null
  equity?: Num | null
  peak_equity?: Num | null
  /** Largest fall from a peak of the equity curve, in money. */
  max_drawdown?: Num | null
  max_drawdown_fraction?: Num | null
  hit_rate?: number | null
  trade_count?: number
  order_count?: number
  rejected_by_gateware?: number
  rejected_by_drbguard?: number
  signal_count?: number
  latency?: LatencyStats | null
}

/** @schema EquityPointPublic */
export interface EquityPoint {
  ts: string | number
  equity: Num
  pnl?: Num | null
  drawdown?: Num | null
}

/** @schema SignalPublic */
export interface Signal {
  id: number | string
  ts: string | number
  symbol: string
  kind?: string
  side?: string | null
  strength?: Num | null
  detail?: Record<string, unknown> | null
}

/** @schema OrderPublic */
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
}

/** @schema TradePublic */
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
}

/** @schema PositionPublic */
export interface Position {
  symbol: string
  ts?: string | number
  quantity?: Num | null
  average_price?: Num | null
  unrealized_pnl?: Num | null
  realized_pnl?: Num | null
}

/** @schema TimelineStep */
export interface TimelineStep {
  event_id?: number | null
  ts?: string | number | null
  /** intent | gateware | drbguard | broker | fill | risk */
  step?: string
  verdict?: string | null
  reason?: string | null
  rule?: string | null
  inputs?: Record<string, unknown> | null
  limit?: unknown
  detail?: unknown
}

/**
 * GET /api/orders/{client_id}: the order, its timeline and its fills.
 * @schema OrderTimeline
 */
export interface OrderDetail {
  order: Order
  timeline?: TimelineStep[]
  trades?: Trade[]
}

/** @schema RiskEventPublic */
export interface RiskEvent {
  id: number | string
  ts: string | number
  line?: string
  kind?: string
  reason?: string | null
  actor?: string | null
  detail?: unknown
}

/**
 * An operator command; the engine moves it from "pending" to "done" or "failed".
 * @schema CommandPublic
 */
export interface Command {
  id: number | string
  ts?: string | number | null
  kind?: string
  payload?: Record<string, unknown> | null
  actor?: string | null
  status: string
  result?: string | null
  completed_ts?: string | number | null
}

/** @schema Lesson */
export interface Lesson {
  slug: string
  title: string
  markdown: string
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
  | "market"

export interface LiveEvent {
  id: number
  ts: string | number
  kind: LiveEventKind | string
  payload: Record<string, unknown>
}
