import { useQuery } from "@tanstack/react-query"
import { QueryState } from "@/components/Common/QueryState"
import KillSwitch from "@/components/Risk/KillSwitch"
import LimitEditor from "@/components/Risk/LimitEditor"
import RiskLinePanel from "@/components/Risk/RiskLinePanel"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import useAuth from "@/hooks/useAuth"
import { handleError } from "@/lib/api"
import { riskEventsQuery, riskQuery } from "@/lib/queries"
import { feedAges, riskLines } from "@/lib/risk"
import { cn, formatNumber, formatTime } from "@/lib/utils"

/** Market data older than this is shown as stale (the sanitizer's default latency bound). */
const STALE_FEED_MS = 2000

/** Both risk lines side by side, market-data age, the kill switch and the audit trail. */
const Risk = () => {
  const { user } = useAuth()
  const risk = useQuery(riskQuery())
  const events = useQuery(riskEventsQuery())
  const lines = riskLines(risk.data)
  const ages = feedAges(risk.data, lines)

  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold">Risk</h1>
        <p className="text-sm text-zinc-400">
          Two lines of pre-trade defence: the gateware first, DRBGuard last.
        </p>
      </div>
      {risk.isError && <p className="text-sm text-red-400">{handleError(risk.error)}</p>}
      <div className="grid items-start gap-6 lg:grid-cols-2">
        {lines.map((line) => (
          <RiskLinePanel key={line.line} line={line} />
        ))}
        {risk.isSuccess && lines.length === 0 && (
          <p className="text-sm text-zinc-500">
            No risk line has reported yet: is the engine running?
          </p>
        )}
      </div>
      <div className="grid items-start gap-6 lg:grid-cols-3">
        <div className="flex flex-col gap-6">
          <KillSwitch user={user} />
          <LimitEditor user={user} />
        </div>
        <Card>
          <CardHeader>
            <CardTitle className="text-base">Market-data age</CardTitle>
          </CardHeader>
          <CardContent>
            {Object.keys(ages).length === 0 ? (
              <p className="text-sm text-zinc-500">No feed reported.</p>
            ) : (
              <dl className="flex flex-col gap-1 text-sm" data-testid="feed-ages">
                {Object.entries(ages).map(([feed, ms]) => (
                  <div key={feed} className="flex justify-between border-b border-zinc-800 pb-0.5">
                    <dt className="font-mono text-xs text-zinc-400">{feed}</dt>
                    <dd
                      className={cn("tabular-nums", (ms ?? 0) > STALE_FEED_MS && "text-amber-400")}
                    >
                      {ms === null ? "—" : `${formatNumber(ms, 0)} ms`}
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle className="text-base">Risk events</CardTitle>
          </CardHeader>
          <CardContent className="max-h-72 overflow-y-auto">
            <QueryState
              query={events}
              empty={(rows) => rows.length === 0}
              emptyText="No risk events yet."
            >
              {(rows) => (
                <Table aria-label="Risk events">
                  <TableHeader>
                    <TableRow>
                      <TableHead>Time</TableHead>
                      <TableHead>Line</TableHead>
                      <TableHead>Event</TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {rows.map((event) => (
                      <TableRow key={String(event.id)}>
                        <TableCell className="font-mono text-xs text-zinc-400">
                          {formatTime(event.ts)}
                        </TableCell>
                        <TableCell className="text-xs">{String(event.line ?? "—")}</TableCell>
                        <TableCell
                          className="max-w-56 truncate text-xs"
                          title={event.reason ?? undefined}
                        >
                          {event.reason ?? event.kind}
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </QueryState>
          </CardContent>
        </Card>
      </div>
    </div>
  )
}

export default Risk
