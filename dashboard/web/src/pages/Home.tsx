import { useQuery } from "@tanstack/react-query"
import { useMemo } from "react"
import { StatCard } from "@/components/Common/StatCard"
import { TimeSeriesChart } from "@/components/Common/TimeSeriesChart"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { handleError } from "@/lib/api"
import { toSeries } from "@/lib/chartData"
import { equityQuery, statsQuery } from "@/lib/queries"
import type { Stats } from "@/lib/types"
import { formatMoney, formatNumber, formatPercent, num } from "@/lib/utils"

function tone(raw: unknown): "positive" | "negative" | "neutral" {
  const value = num(raw)
  if (value === null || value === 0) return "neutral"
  return value > 0 ? "positive" : "negative"
}

/** Latency figures arrive as a flat map of name -> microseconds (or ms when so named). */
function latencyRows(stats: Stats): [string, string][] {
  const latency = stats.latency
  if (!latency || typeof latency !== "object") return []
  return Object.entries(latency).map(([name, value]) => {
    const unit = name.endsWith("_ms") ? "ms" : name.endsWith("_ns") ? "ns" : "µs"
    const label = name.replace(/_(us|ms|ns)$/, "").replaceAll("_", " ")
    return [label, num(value) === null ? "—" : `${formatNumber(value, 1)} ${unit}`]
  })
}

/** Key statistics and the equity curve. */
const Home = () => {
  const stats = useQuery(statsQuery())
  const equity = useQuery(equityQuery())
  const curve = useMemo(
    () =>
      toSeries(
        equity.data ?? [],
        (p) => p.ts,
        (p) => p.equity,
      ),
    [equity.data],
  )
  const s: Stats = stats.data ?? {}
  const drawdown = num(s.max_drawdown)

  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold">Home</h1>
        <p className="text-sm text-zinc-400">Paper-trading results of the running engine.</p>
      </div>
      {stats.isError && (
        <p className="text-sm text-red-400">
          Could not load statistics: {handleError(stats.error)}
        </p>
      )}
      <section
        aria-label="Key statistics"
        className="grid grid-cols-2 gap-4 md:grid-cols-3 lg:grid-cols-6"
      >
        <StatCard label="P&L" value={formatMoney(s.pnl)} tone={tone(s.pnl)} />
        <StatCard label="Equity" value={formatMoney(s.equity)} />
        <StatCard
          label="Max drawdown"
          value={
            drawdown !== null && Math.abs(drawdown) <= 1
              ? formatPercent(drawdown)
              : formatMoney(drawdown)
          }
          tone={drawdown ? "negative" : "neutral"}
        />
        <StatCard label="Hit rate" value={formatPercent(s.hit_rate)} />
        <StatCard label="Trades" value={formatNumber(s.trades, 0)} />
        <StatCard label="Fees" value={formatMoney(s.fees)} />
      </section>
      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Equity curve</CardTitle>
            <CardDescription>Account equity after each fill (paper broker).</CardDescription>
          </CardHeader>
          <CardContent>
            {curve.length === 0 ? (
              <p className="py-16 text-center text-sm text-zinc-500">
                {equity.isPending ? "Loading…" : "No equity points yet: start `quantum paper`."}
              </p>
            ) : (
              <TimeSeriesChart data={curve} kind="area" label="Equity curve" />
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Latency</CardTitle>
            <CardDescription>Measured on this machine by the engine.</CardDescription>
          </CardHeader>
          <CardContent>
            <dl className="flex flex-col gap-2 text-sm" data-testid="latency-figures">
              {latencyRows(s).length === 0 && <p className="text-zinc-500">No figures yet.</p>}
              {latencyRows(s).map(([label, value]) => (
                <div
                  key={label}
                  className="flex justify-between gap-4 border-b border-zinc-800 pb-1"
                >
                  <dt className="capitalize text-zinc-400">{label}</dt>
                  <dd className="tabular-nums">{value}</dd>
                </div>
              ))}
            </dl>
          </CardContent>
        </Card>
      </div>
    </div>
  )
}

export default Home
