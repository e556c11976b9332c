import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts"

interface RejectChartProps {
  counts: Record<string, number>
  color: string
}

/** Reject counts by reason code, as bars. */
const RejectChart = ({ counts, color }: RejectChartProps) => {
  const data = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => ({ reason, count }))
  if (data.length === 0) return <p className="py-6 text-sm text-zinc-500">No rejects yet.</p>
  return (
    <div className="h-48 w-full" role="img" aria-label="Reject counts by reason">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 24, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#27272a" />
          <XAxis
            dataKey="reason"
            tick={{ fill: "#a1a1aa", fontSize: 10 }}
            interval={0}
            angle={-20}
            textAnchor="end"
          />
          <YAxis allowDecimals={false} tick={{ fill: "#a1a1aa", fontSize: 11 }} width={32} />
          <Tooltip
            contentStyle={{ background: "#18181b", border: "1px solid #3f3f46", fontSize: 12 }}
            cursor={{ fill: "#27272a" }}
          />
          <Bar dataKey="count" fill={color} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}

export default RejectChart
