/** An order's timeline: the server's, or one built from the order row's `detail`. */
import type { LineDecision, OrderDetail, TimelineStep } from "./types"

function asDecision(value: unknown): LineDecision | null {
  return value && typeof value === "object" ? (value as LineDecision) : null
}

function verdictOf(reason: string | null | undefined): string {
  return reason === null || reason === undefined || reason === "" || reason === "ACCEPT"
    ? "ACCEPT"
    : "REJECT"
}

/**
 * The steps intent → gateware verdict → DRBGuard verdict → broker ack → fills.
 *
 * The server may send `timeline` ready-made; otherwise the store's conventions apply: the
 * order's `detail` carries `gateware`, `drbguard` and `broker` dicts, and fills come as
 * `fills` or `trades`.
 */
export function buildTimeline(order: OrderDetail): TimelineStep[] {
  if (Array.isArray(order.timeline) && order.timeline.length > 0) return order.timeline
  const detail = order.detail ?? {}
  const steps: TimelineStep[] = [
    { stage: "intent", ts: order.ts, detail: `${order.side} ${order.quantity} ${order.symbol}` },
  ]
  const gateware = asDecision(detail.gateware)
  const gatewareReason = gateware?.reason ?? order.gateware_reason
  steps.push({
    stage: `gateware verdict (${order.gateware_backend ?? "?"})`,
    ts: gateware?.ts ?? order.ts,
    verdict: verdictOf(gatewareReason),
    reason: verdictOf(gatewareReason) === "REJECT" ? gatewareReason : null,
    rule: gateware?.rule ?? null,
    inputs: (gateware?.inputs as Record<string, unknown>) ?? null,
    limit: gateware?.limit,
  })
  const drb = asDecision(detail.drbguard)
  const drbReason = drb?.reason ?? order.drb_reason
  if (verdictOf(gatewareReason) === "ACCEPT" || drb) {
    steps.push({
      stage: "DRBGuard verdict",
      ts: drb?.ts ?? null,
      verdict: verdictOf(drbReason),
      reason: verdictOf(drbReason) === "REJECT" ? drbReason : null,
      rule: drb?.rule ?? null,
      inputs: (drb?.inputs as Record<string, unknown>) ?? null,
      limit: drb?.limit,
    })
  }
  const broker = asDecision(detail.broker)
  if (broker) steps.push({ stage: "broker ack", ts: broker.ts ?? null, detail: broker })
  const fills = Array.isArray(order.fills)
    ? order.fills
    : Array.isArray(order.trades)
      ? order.trades
      : []
  for (const fill of fills as Record<string, unknown>[]) {
    steps.push({
      stage: "fill",
      ts: (fill.ts as string) ?? null,
      detail: `${fill.quantity ?? ""} @ ${fill.price ?? ""}`,
    })
  }
  return steps
}
