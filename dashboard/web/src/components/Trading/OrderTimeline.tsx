import { useQuery } from "@tanstack/react-query"
import { BackendBadge, Verdict } from "@/components/Common/Verdict"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog"
import { handleError } from "@/lib/api"
import { buildTimeline, stepTitle, stepVerdict } from "@/lib/orderTimeline"
import { orderDetailQuery } from "@/lib/queries"
import type { TimelineStep } from "@/lib/types"
import { cn, formatNumber, formatTime } from "@/lib/utils"

interface OrderTimelineProps {
  clientId: string | null
  onClose: () => void
}

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "—"
  if (typeof value === "object") return JSON.stringify(value)
  return String(value)
}

function detailEntries(detail: unknown): [string, unknown][] {
  if (!detail || typeof detail !== "object") return []
  return Object.entries(detail as Record<string, unknown>).filter(
    ([, value]) => value !== null && value !== undefined && value !== "",
  )
}

const StepBody = ({ step }: { step: TimelineStep }) => {
  const verdict = stepVerdict(step)
  return (
    <>
      {verdict === "reject" && (
        <div className="mt-1 flex flex-col gap-0.5 rounded border border-red-900/60 bg-red-950/30 p-2 text-xs text-red-100">
          {step.rule && (
            <div>
              Rule: <span className="font-mono">{step.rule}</span>
            </div>
          )}
          {step.inputs && (
            <div>
              Inputs: <span className="font-mono">{renderValue(step.inputs)}</span>
            </div>
          )}
          {step.limit !== undefined && step.limit !== null && (
            <div>
              Limit: <span className="font-mono">{renderValue(step.limit)}</span>
            </div>
          )}
        </div>
      )}
      {detailEntries(step.detail).length > 0 && (
        <dl className="mt-1 flex flex-wrap gap-x-4 gap-y-0.5 text-xs text-zinc-400">
          {detailEntries(step.detail).map(([key, value]) => (
            <div key={key}>
              <dt className="inline">{key.replaceAll("_", " ")}: </dt>
              <dd className="inline font-mono text-zinc-300">{renderValue(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  )
}

/** One order's path: intent, gateware verdict, DRBGuard verdict, broker ack, fills. */
const OrderTimeline = ({ clientId, onClose }: OrderTimelineProps) => {
  const detail = useQuery({ ...orderDetailQuery(clientId ?? ""), enabled: clientId !== null })
  const order = detail.data?.order
  const steps = detail.data ? buildTimeline(detail.data) : []
  return (
    <Dialog open={clientId !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent aria-describedby="order-timeline-description">
        <DialogHeader>
          <DialogTitle>Order {clientId}</DialogTitle>
          <DialogDescription id="order-timeline-description">
            Every step from the strategy's intent to the fills, with timestamps (UTC).
          </DialogDescription>
        </DialogHeader>
        {detail.isPending && <p className="text-sm text-zinc-500">Loading…</p>}
        {detail.isError && <p className="text-sm text-red-400">{handleError(detail.error)}</p>}
        {order && (
          <>
            <div className="flex flex-wrap items-center gap-x-6 gap-y-1 text-sm text-zinc-300">
              <span>
                {order.side} {formatNumber(order.quantity, 8)} {order.symbol}
                {order.price ? ` @ ${formatNumber(order.price, 8)}` : ""}
              </span>
              <span>
                Status: <strong>{order.status ?? "—"}</strong>
              </span>
              <span className="flex items-center gap-1">
                Gateware: <BackendBadge backend={order.gateware_backend} />
              </span>
            </div>
            <ol
              className="relative flex flex-col gap-3 border-l border-zinc-700 pl-5"
              data-testid="order-timeline"
            >
              {steps.map((step, index) => {
                const verdict = stepVerdict(step)
                return (
                  <li
                    // biome-ignore lint/suspicious/noArrayIndexKey: steps are a fixed list in order
                    key={`${step.event_id ?? "x"}-${index}`}
                    className="relative"
                  >
                    <span
                      className={cn(
                        "absolute -left-[25px] top-1.5 size-2.5 rounded-full bg-sky-500",
                        verdict === "reject" && "bg-red-500",
                        verdict === "not_reached" && "bg-zinc-600",
                      )}
                      aria-hidden
                    />
                    <div className="flex flex-wrap items-center gap-2 text-sm">
                      <span className="font-mono text-xs text-zinc-500">{formatTime(step.ts)}</span>
                      <span className="font-medium">{stepTitle(step)}</span>
                      {verdict && (
                        <Verdict
                          reason={verdict === "reject" ? (step.reason ?? "REJECT") : null}
                          notReached={verdict === "not_reached"}
                        />
                      )}
                      {!verdict && step.reason && (
                        <span className="text-xs text-zinc-400">{step.reason}</span>
                      )}
                    </div>
                    <StepBody step={step} />
                  </li>
                )
              })}
            </ol>
          </>
        )}
      </DialogContent>
    </Dialog>
  )
}

export default OrderTimeline
