/** An order's timeline as the UI shows it: the server's steps, with readable names. */
import type { OrderDetail, TimelineStep } from "./types"

/** What each step of the server's timeline is called on screen. */
export const STEP_TITLES: Record<string, string> = {
  intent: "Intent (strategy)",
  gateware: "Gateware verdict (line 1)",
  drbguard: "DRBGuard verdict (line 2)",
  broker: "Broker",
  fill: "Fill",
  risk: "Risk event",
}

export type StepVerdict = "accept" | "reject" | "not_reached" | null

/** The step's verdict in lower case, or null for steps that decide nothing. */
export function stepVerdict(step: TimelineStep): StepVerdict {
  const verdict = step.verdict?.toLowerCase()
  if (verdict === "accept" || verdict === "reject" || verdict === "not_reached") return verdict
  return null
}

export function stepTitle(step: TimelineStep): string {
  const key = step.step ?? "step"
  return STEP_TITLES[key] ?? key.replaceAll("_", " ")
}

/**
 * The steps intent → gateware → DRBGuard → broker → fills, as the server built them; when
 * an older server sends none, the order row alone still gives intent and both verdicts.
 */
export function buildTimeline(detail: OrderDetail): TimelineStep[] {
  if (Array.isArray(detail.timeline) && detail.timeline.length > 0) return detail.timeline
  const order = detail.order
  const rejected = (reason: string | null | undefined) =>
    reason !== null && reason !== undefined && reason !== "" && reason !== "ACCEPT"
  const steps: TimelineStep[] = [
    { step: "intent", ts: order.ts, detail: { side: order.side, quantity: order.quantity } },
    {
      step: "gateware",
      ts: order.ts,
      verdict: rejected(order.gateware_reason) ? "reject" : "accept",
      reason: order.gateware_reason ?? "ACCEPT",
    },
  ]
  if (rejected(order.gateware_reason) && !rejected(order.drb_reason)) {
    steps.push({ step: "drbguard", ts: order.ts, verdict: "not_reached" })
  } else {
    steps.push({
      step: "drbguard",
      ts: order.ts,
      verdict: rejected(order.drb_reason) ? "reject" : "accept",
      reason: order.drb_reason ?? "ACCEPT",
    })
  }
  return steps
}
