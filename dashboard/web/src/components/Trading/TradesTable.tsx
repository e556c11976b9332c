import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import type { Trade } from "@/lib/types"
import { cn, formatMoney, formatNumber, formatTime, num } from "@/lib/utils"

interface TradesTableProps {
  trades: Trade[]
}

/** Fills from the paper broker, newest first. */
const TradesTable = ({ trades }: TradesTableProps) => (
  <Table aria-label="Trades">
    <TableHeader>
      <TableRow>
        <TableHead>Time</TableHead>
        <TableHead>Symbol</TableHead>
        <TableHead>Side</TableHead>
        <TableHead className="text-right">Qty</TableHead>
        <TableHead className="text-right">Price</TableHead>
        <TableHead className="text-right">Fee</TableHead>
        <TableHead className="text-right">P&amp;L</TableHead>
      </TableRow>
    </TableHeader>
    <TableBody>
      {trades.map((trade) => (
        <TableRow key={String(trade.id)} data-testid="trade-row">
          <TableCell className="font-mono text-xs text-zinc-400">{formatTime(trade.ts)}</TableCell>
          <TableCell>{trade.symbol}</TableCell>
          <TableCell
            className={trade.side.toLowerCase() === "buy" ? "text-emerald-400" : "text-red-400"}
          >
            {trade.side}
          </TableCell>
          <TableCell className="text-right">{formatNumber(trade.quantity, 6)}</TableCell>
          <TableCell className="text-right">{formatNumber(trade.price)}</TableCell>
          <TableCell className="text-right">{formatMoney(trade.fee)}</TableCell>
          <TableCell
            className={cn(
              "text-right",
              (num(trade.realized_pnl) ?? 0) > 0 && "text-emerald-400",
              (num(trade.realized_pnl) ?? 0) < 0 && "text-red-400",
            )}
          >
            {formatMoney(trade.realized_pnl)}
          </TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
)

export default TradesTable
