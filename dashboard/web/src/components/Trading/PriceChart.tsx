import { useQuery } from "@tanstack/react-query"
import type { SeriesMarker, Time, UTCTimestamp } from "lightweight-charts"
import { useMemo } from "react"
import { TimeSeriesChart } from "@/components/Common/TimeSeriesChart"
import { toSeries } from "@/lib/chartData"
import { marketQuery } from "@/lib/queries"
import type { Trade } from "@/lib/types"
import { toEpochMs } from "@/lib/utils"

interface PriceChartProps {
  symbol: string | null
  trades: Trade[]
}

function toTime(ts: string | number | undefined): UTCTimestamp | null {
  const ms = toEpochMs(ts)
  return ms === null ? null : (Math.floor(ms / 1000) as UTCTimestamp)
}

/** Prices with forced liquidations (amber) and our fills (green buy, red sell) as markers. */
const PriceChart = ({ symbol, trades }: PriceChartProps) => {
  const market = useQuery(marketQuery(symbol))
  const data = useMemo(
    () =>
      toSeries(
        market.data?.prices ?? [],
        (p) => p.ts,
        (p) => p.price,
      ),
    [market.data],
  )
  const markers = useMemo(() => {
    const out: SeriesMarker<Time>[] = []
    for (const liq of market.data?.liquidations ?? []) {
      const time = toTime(liq.ts)
      if (time === null) continue
      out.push({
        time,
        position: "aboveBar",
        shape: "circle",
        color: "#f59e0b",
        text: "L",
      })
    }
    for (const trade of trades) {
      if (symbol && trade.symbol !== symbol) continue
      const time = toTime(trade.ts)
      if (time === null) continue
      const buy = trade.side.toLowerCase() === "buy"
      out.push({
        time,
        position: buy ? "belowBar" : "aboveBar",
        shape: buy ? "arrowUp" : "arrowDown",
        color: buy ? "#34d399" : "#f87171",
        text: buy ? "B" : "S",
      })
    }
    // The marker plugin needs markers in time order.
    return out.sort((a, b) => Number(a.time) - Number(b.time))
  }, [market.data, trades, symbol])

  if (market.isPending) return <p className="py-16 text-center text-sm text-zinc-500">Loading…</p>
  if (data.length === 0)
    return <p className="py-16 text-center text-sm text-zinc-500">No market data yet.</p>
  return <TimeSeriesChart data={data} markers={markers} label={`Price of ${symbol ?? "market"}`} />
}

export default PriceChart
