import { Badge } from "@/components/ui/badge"

/** True when a line's reason code means the order passed (null or "ACCEPT"). */
export function isAccept(reason: string | null | undefined): boolean {
  return reason === null || reason === undefined || reason === "" || reason === "ACCEPT"
}

interface VerdictProps {
  /** The line's reason code (hdl/protocol.py Reason name); null or "ACCEPT" is an accept. */
  reason: string | null | undefined
  /** The line never saw the order (the line before it rejected first). */
  notReached?: boolean
}

/** One risk line's verdict on an order: ACCEPT, or REJECT with its reason code. */
export const Verdict = ({ reason, notReached = false }: VerdictProps) => {
  if (notReached) return <Badge variant="outline">not reached</Badge>
  if (isAccept(reason)) return <Badge variant="success">ACCEPT</Badge>
  return (
    <Badge variant="destructive" title={`Rejected: ${reason}`}>
      REJECT · {reason}
    </Badge>
  )
}

/**
 * Where a line runs: for the gateware "model" is the Python reference model (NOT hardware),
 * "sim" is Verilator, and only "serial" is a real FPGA.
 */
export const BackendBadge = ({ backend }: { backend: string | null | undefined }) => {
  if (!backend) return <span className="text-zinc-500">—</span>
  if (backend === "model")
    return (
      <Badge variant="warning" title="The Python reference model of the gateware, not an FPGA">
        model · NOT hardware
      </Badge>
    )
  if (backend === "sim")
    return (
      <Badge variant="default" title="The gateware simulated by Verilator, not an FPGA">
        sim · Verilator
      </Badge>
    )
  if (backend === "serial")
    return (
      <Badge variant="success" title="A real FPGA over the serial link">
        serial · FPGA
      </Badge>
    )
  // Anything else (the DRBGuard's "python", a future backend) is shown as it is named.
  return <Badge variant="outline">{backend}</Badge>
}
