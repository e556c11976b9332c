import { BackendBadge, isAccept, Verdict } from "@/components/Common/Verdict"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import type { Order } from "@/lib/types"
import { formatNumber, formatTime, num } from "@/lib/utils"

interface OrdersTableProps {
  orders: Order[]
  onSelect: (clientId: string) => void
}

/** Orders with both lines' verdicts; a row opens that order's timeline. */
const OrdersTable = ({ orders, onSelect }: OrdersTableProps) => (
  <Table aria-label="Orders">
    <TableHeader>
      <TableRow>
        <TableHead>Time</TableHead>
        <TableHead>Client id</TableHead>
        <TableHead>Symbol</TableHead>
        <TableHead>Side</TableHead>
        <TableHead className="text-right">Qty</TableHead>
        <TableHead className="text-right">Price</TableHead>
        <TableHead>Gateware</TableHead>
        <TableHead>DRBGuard</TableHead>
        <TableHead>Backend</TableHead>
        <TableHead>Status</TableHead>
      </TableRow>
    </TableHeader>
    <TableBody>
      {orders.map((order) => (
        <TableRow
          key={order.client_id}
          className="cursor-pointer"
          tabIndex={0}
          onClick={() => onSelect(order.client_id)}
          onKeyDown={(event) => event.key === "Enter" && onSelect(order.client_id)}
        >
          <TableCell className="font-mono text-xs text-zinc-400">{formatTime(order.ts)}</TableCell>
          <TableCell className="font-mono text-xs text-sky-300">{order.client_id}</TableCell>
          <TableCell>{order.symbol}</TableCell>
          <TableCell>{order.side}</TableCell>
          <TableCell className="text-right">{formatNumber(order.quantity, 6)}</TableCell>
          <TableCell className="text-right">{formatNumber(order.price)}</TableCell>
          <TableCell>
            <Verdict reason={order.gateware_reason} />
          </TableCell>
          <TableCell>
            <Verdict
              reason={order.drb_reason}
              notReached={!isAccept(order.gateware_reason) && isAccept(order.drb_reason)}
            />
          </TableCell>
          <TableCell>
            <BackendBadge backend={order.gateware_backend} />
          </TableCell>
          <TableCell>
            {order.status ?? "—"}
            {num(order.filled_quantity)
              ? ` (${formatNumber(order.filled_quantity, 6)} filled)`
              : ""}
          </TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
)

export default OrdersTable
