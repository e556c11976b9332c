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

/** Gateware round-trip figures (host sends ORDER -> host has the verdict). */
function latencyRows(stats: Stats): [string, string][] {
  const latency = stats.latency
  if (!latency?.count) return []
  const us = (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : `${formatNumber(value, 1)} µs`
  return [
    ["p50", us(latency.p50_us)],
    ["p99", us(latency.p99_us)],
    ["max", us(latency.max_us)],
    ["mean", us(latency.mean_us)],
    ["orders measured", formatNumber(latency.count, 0)],
    ["backend", (latency.backends ?? []).join(", ") || "—"],
  ]
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
  const latency = latencyRows(s)

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
        <StatCard
          label="Net P&L"
          value={formatMoney(s.net_pnl)}
          tone={tone(s.net_pnl)}
          hint="realized − fees + unrealized"
        />
        <StatCard
          label="Equity"
          value={formatMoney(s.equity)}
          hint={`peak ${formatMoney(s.peak_equity)}`}
        />
        <StatCard
          label="Max drawdown"
          value={formatMoney(s.max_drawdown)}
          tone={num(s.max_drawdown) ? "negative" : "neutral"}
          hint={`${formatPercent(s.max_drawdown_fraction, 2)} of the peak`}
        />
        <StatCard
          label="Hit rate"
          value={formatPercent(s.hit_rate)}
          hint="winning closing trades"
        />
        <StatCard
          label="Trades"
          value={formatNumber(s.trade_count, 0)}
          hint={`${formatNumber(s.order_count, 0)} orders · ${formatNumber(s.signal_count, 0)} signals`}
        />
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
            <CardTitle>Gateware latency</CardTitle>
            <CardDescription>
              Order sent → verdict back, measured by the engine on this machine.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <dl className="flex flex-col gap-2 text-sm" data-testid="latency-figures">
              {latency.length === 0 && <p className="text-zinc-500">No orders measured yet.</p>}
              {latency.map(([label, value]) => (
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
