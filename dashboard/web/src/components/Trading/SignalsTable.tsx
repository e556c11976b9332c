import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import type { Signal } from "@/lib/types"
import { formatNumber, formatTime } from "@/lib/utils"

interface SignalsTableProps {
  signals: Signal[]
}

/** The strategy's signals, newest first. */
const SignalsTable = ({ signals }: SignalsTableProps) => (
  <Table aria-label="Signals">
    <TableHeader>
      <TableRow>
        <TableHead>Time</TableHead>
        <TableHead>Symbol</TableHead>
        <TableHead>Side</TableHead>
        <TableHead className="text-right">Strength</TableHead>
        <TableHead>Kind</TableHead>
      </TableRow>
    </TableHeader>
    <TableBody>
      {signals.map((signal) => (
        <TableRow key={String(signal.id)}>
          <TableCell className="font-mono text-xs text-zinc-400">{formatTime(signal.ts)}</TableCell>
          <TableCell>{signal.symbol}</TableCell>
          <TableCell>{signal.side ?? "—"}</TableCell>
          <TableCell className="text-right">{formatNumber(signal.strength)}</TableCell>
          <TableCell
            className="max-w-xs truncate text-zinc-400"
            title={signal.detail ? JSON.stringify(signal.detail) : undefined}
          >
            {signal.kind ?? "—"}
          </TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
)

export default SignalsTable
