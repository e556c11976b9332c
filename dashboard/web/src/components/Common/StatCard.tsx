import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { cn } from "@/lib/utils"

interface StatCardProps {
  label: string
  value: string
  hint?: string
  tone?: "positive" | "negative" | "neutral"
}

/** One headline figure with its label; `tone` colours gains and losses. */
export const StatCard = ({ label, value, hint, tone = "neutral" }: StatCardProps) => (
  <Card>
    <CardHeader className="pb-1">
      <CardTitle className="text-xs font-medium uppercase tracking-wide text-zinc-400">
        {label}
      </CardTitle>
    </CardHeader>
    <CardContent>
      <p
        data-testid={`stat-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`}
        className={cn(
          "text-2xl font-semibold tabular-nums",
          tone === "positive" && "text-emerald-400",
          tone === "negative" && "text-red-400",
        )}
      >
        {value}
      </p>
      {hint && <p className="mt-1 text-xs text-zinc-500">{hint}</p>}
    </CardContent>
  </Card>
)
