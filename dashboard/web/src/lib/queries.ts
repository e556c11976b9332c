/** TanStack Query options for every server resource; the keys are what live events update. */
import { queryOptions } from "@tanstack/react-query"
import { api, asList } from "./api"
import type {
  Command,
  EquityPoint,
  Lesson,
  Order,
  OrderDetail,
  Position,
  RiskEvent,
  Signal,
  Stats,
  Trade,
  User,
} from "./types"

/** How many rows the live tables ask for. */
export const TABLE_LIMIT = 50

export const queryKeys = {
  currentUser: ["currentUser"] as const,
  disclaimer: ["disclaimer"] as const,
  stats: ["stats"] as const,
  equity: ["equity"] as const,
  signals: ["signals"] as const,
  orders: ["orders"] as const,
  order: (clientId: string) => ["orders", "detail", clientId] as const,
  trades: ["trades"] as const,
  positions: ["positions"] as const,
  market: (symbol: string | null) => ["market", symbol] as const,
  risk: ["risk"] as const,
  riskEvents: ["riskEvents"] as const,
  limits: ["limits"] as const,
  command: (id: string | number) => ["commands", String(id)] as const,
  lessons: ["lessons"] as const,
  lesson: (slug: string) => ["lessons", slug] as const,
}

export const currentUserQuery = () =>
  queryOptions({ queryKey: queryKeys.currentUser, queryFn: () => api.get<User>("/api/users/me") })

export const disclaimerQuery = () =>
  queryOptions({
    queryKey: queryKeys.disclaimer,
    queryFn: async () => {
      const data = await api.get<{ text?: string; disclaimer?: string } | string>("/api/disclaimer")
      if (typeof data === "string") return data
      return data.text ?? data.disclaimer ?? ""
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  })

export const statsQuery = () =>
  queryOptions({ queryKey: queryKeys.stats, queryFn: () => api.get<Stats>("/api/stats") })

export const equityQuery = () =>
  queryOptions({
    queryKey: queryKeys.equity,
    queryFn: async () => asList<EquityPoint>(await api.get("/api/equity", { limit: 1000 })),
  })

export const signalsQuery = () =>
  queryOptions({
    queryKey: queryKeys.signals,
    queryFn: async () => asList<Signal>(await api.get("/api/signals", { limit: TABLE_LIMIT })),
  })

export const ordersQuery = () =>
  queryOptions({
    queryKey: queryKeys.orders,
    queryFn: async () => asList<Order>(await api.get("/api/orders", { limit: TABLE_LIMIT })),
  })

export const orderDetailQuery = (clientId: string) =>
  queryOptions({
    queryKey: queryKeys.order(clientId),
    queryFn: () => api.get<OrderDetail>(`/api/orders/${encodeURIComponent(clientId)}`),
  })

export const tradesQuery = () =>
  queryOptions({
    queryKey: queryKeys.trades,
    queryFn: async () => asList<Trade>(await api.get("/api/trades", { limit: TABLE_LIMIT })),
  })

export const positionsQuery = () =>
  queryOptions({
    queryKey: queryKeys.positions,
    queryFn: async () => asList<Position>(await api.get("/api/positions")),
  })

/**
 * A row of GET /api/market: a sampled price, or a liquidation (`kind` "liquidation").
 * @schema MarketSamplePublic
 */
export interface MarketSample {
  id?: number
  ts: string | number
  symbol?: string
  kind?: string
  price: string | number
  quantity?: string | number | null
  side?: string | null
}

export interface MarketData {
  symbol: string | null
  prices: MarketSample[]
  liquidations: MarketSample[]
}

export const marketQuery = (symbol: string | null) =>
  queryOptions({
    queryKey: queryKeys.market(symbol),
    queryFn: async () => {
      const rows = asList<MarketSample>(
        await api.get("/api/market", { symbol: symbol ?? undefined, limit: 1000 }),
      )
      return {
        symbol,
        prices: rows.filter((row) => row.kind !== "liquidation"),
        liquidations: rows.filter((row) => row.kind === "liquidation"),
      } satisfies MarketData
    },
  })

export const riskQuery = () =>
  queryOptions({ queryKey: queryKeys.risk, queryFn: () => api.get<unknown>("/api/risk") })

export const riskEventsQuery = () =>
  queryOptions({
    queryKey: queryKeys.riskEvents,
    queryFn: async () =>
      asList<RiskEvent>(await api.get("/api/risk/events", { limit: TABLE_LIMIT })),
  })

/** @schema LimitsPublic */
export interface Limits {
  gateware: Record<string, unknown>
  drbguard: Record<string, unknown>
  /** Limit names the gateware accepts (hdl/protocol.py LimitId). */
  gateware_names: string[]
}

export const limitsQuery = () =>
  queryOptions({ queryKey: queryKeys.limits, queryFn: () => api.get<Limits>("/api/limits") })

export const commandQuery = (id: string | number) =>
  queryOptions({
    queryKey: queryKeys.command(id),
    queryFn: () => api.get<Command>(`/api/commands/${encodeURIComponent(String(id))}`),
  })

export const lessonsQuery = () =>
  queryOptions({
    queryKey: queryKeys.lessons,
    queryFn: async () => asList<Lesson>(await api.get("/api/lessons")),
  })

export const lessonQuery = (slug: string) =>
  queryOptions({
    queryKey: queryKeys.lesson(slug),
    queryFn: () => api.get<Lesson>(`/api/lessons/${encodeURIComponent(slug)}`),
  })
