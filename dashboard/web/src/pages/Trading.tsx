import { useQuery } from "@tanstack/react-query"
import { useState } from "react"
import { QueryState } from "@/components/Common/QueryState"
import OrdersTable from "@/components/Trading/OrdersTable"
import OrderTimeline from "@/components/Trading/OrderTimeline"
import PositionsTable from "@/components/Trading/PositionsTable"
import PriceChart from "@/components/Trading/PriceChart"
import SignalsTable from "@/components/Trading/SignalsTable"
import TradesTable from "@/components/Trading/TradesTable"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { ordersQuery, positionsQuery, signalsQuery, tradesQuery } from "@/lib/queries"

const isEmpty = (rows: unknown[]) => rows.length === 0

/** Live signals, orders (both lines' verdicts), positions, fills and the price chart. */
const Trading = () => {
  const signals = useQuery(signalsQuery())
  const orders = useQuery(ordersQuery())
  const trades = useQuery(tradesQuery())
  const positions = useQuery(positionsQuery())
  const [selected, setSelected] = useState<string | null>(null)
  const symbol = trades.data?.[0]?.symbol ?? orders.data?.[0]?.symbol ?? null

  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold">Trading</h1>
        <p className="text-sm text-zinc-400">
          Updates live. Click an order to see its path through both risk lines.
        </p>
      </div>
      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Price {symbol ? `· ${symbol}` : ""}</CardTitle>
            <CardDescription>L = forced liquidation, B/S = our fills.</CardDescription>
          </CardHeader>
          <CardContent>
            <PriceChart symbol={symbol} trades={trades.data ?? []} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Positions</CardTitle>
          </CardHeader>
          <CardContent>
            <QueryState query={positions} empty={isEmpty} emptyText="Flat: no open positions.">
              {(rows) => <PositionsTable positions={rows} />}
            </QueryState>
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Orders</CardTitle>
          <CardDescription>
            Gateware = first line (FPGA or its model); DRBGuard = second line (software).
          </CardDescription>
        </CardHeader>
        <CardContent>
          <QueryState query={orders} empty={isEmpty} emptyText="No orders yet.">
            {(rows) => <OrdersTable orders={rows} onSelect={setSelected} />}
          </QueryState>
        </CardContent>
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Trades</CardTitle>
          </CardHeader>
          <CardContent>
            <QueryState query={trades} empty={isEmpty} emptyText="No trades yet.">
              {(rows) => <TradesTable trades={rows} />}
            </QueryState>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Signals</CardTitle>
          </CardHeader>
          <CardContent>
            <QueryState query={signals} empty={isEmpty} emptyText="No signals yet.">
              {(rows) => <SignalsTable signals={rows} />}
            </QueryState>
          </CardContent>
        </Card>
      </div>
      <OrderTimeline clientId={selected} onClose={() => setSelected(null)} />
    </div>
  )
}

export default Trading
