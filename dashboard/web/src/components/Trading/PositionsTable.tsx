import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import type { Position } from "@/lib/types"
import { formatMoney, formatNumber } from "@/lib/utils"

interface PositionsTableProps {
  positions: Position[]
}

/** Open positions held by the paper broker. */
const PositionsTable = ({ positions }: PositionsTableProps) => (
  <Table aria-label="Positions">
    <TableHeader>
      <TableRow>
        <TableHead>Symbol</TableHead>
        <TableHead className="text-right">Qty</TableHead>
        <TableHead className="text-right">Avg price</TableHead>
        <TableHead className="text-right">Unrealized</TableHead>
        <TableHead className="text-right">Realized</TableHead>
      </TableRow>
    </TableHeader>
    <TableBody>
      {positions.map((position) => (
        <TableRow key={position.symbol}>
          <TableCell>{position.symbol}</TableCell>
          <TableCell className="text-right">{formatNumber(position.quantity, 6)}</TableCell>
          <TableCell className="text-right">{formatNumber(position.average_price)}</TableCell>
          <TableCell className="text-right">{formatMoney(position.unrealized_pnl)}</TableCell>
          <TableCell className="text-right">{formatMoney(position.realized_pnl)}</TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
)

export default PositionsTable
