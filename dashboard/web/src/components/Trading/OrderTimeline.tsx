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
import { buildTimeline } from "@/lib/orderTimeline"
import { orderDetailQuery } from "@/lib/queries"
import type { TimelineStep } from "@/lib/types"
import { formatTime } from "@/lib/utils"

interface OrderTimelineProps {
  clientId: string | null
  onClose: () => void
}

function stepName(step: TimelineStep): string {
  return String(step.stage ?? step.kind ?? step.name ?? "step").replaceAll("_", " ")
}

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "—"
  if (typeof value === "object") return JSON.stringify(value)
  return String(value)
}

/** One order's path: intent, gateware verdict, DRBGuard verdict, broker ack, fills. */
const OrderTimeline = ({ clientId, onClose }: OrderTimelineProps) => {
  const detail = useQuery({ ...orderDetailQuery(clientId ?? ""), enabled: clientId !== null })
  const order = detail.data
  const steps = order ? buildTimeline(order) : []
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
            <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm text-zinc-300">
              <span>
                {order.side} {order.quantity} {order.symbol}
                {order.price ? ` @ ${order.price}` : ""}
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
              {steps.map((step, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: steps are a fixed list in order
                <li key={`${stepName(step)}-${index}`} className="relative">
                  <span
                    className="absolute -left-[25px] top-1.5 size-2.5 rounded-full bg-sky-500"
                    aria-hidden
                  />
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <span className="font-mono text-xs text-zinc-500">{formatTime(step.ts)}</span>
                    <span className="font-medium capitalize">{stepName(step)}</span>
                    {step.verdict && (
                      <Verdict
                        reason={step.verdict === "REJECT" ? (step.reason ?? "REJECT") : null}
                      />
                    )}
                  </div>
                  {(step.reason || step.rule) && (
                    <div className="mt-1 rounded border border-red-900/60 bg-red-950/30 p-2 text-xs text-red-200">
                      {step.rule && (
                        <div>
                          Rule: <span className="font-mono">{step.rule}</span>
                        </div>
                      )}
                      {step.reason && <div className="font-mono">{step.reason}</div>}
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
                  {step.detail !== undefined && step.detail !== null && !step.reason && (
                    <div className="mt-1 font-mono text-xs text-zinc-400">
                      {renderValue(step.detail)}
                    </div>
                  )}
                </li>
              ))}
              {steps.length === 0 && (
                <li className="text-sm text-zinc-500">No timeline recorded for this order.</li>
              )}
            </ol>
          </>
        )}
      </DialogContent>
    </Dialog>
  )
}

export default OrderTimeline
