import { useQuery } from "@tanstack/react-query"
import { TriangleAlert } from "lucide-react"
import { DISCLAIMER_FALLBACK } from "@/lib/disclaimer"
import { disclaimerQuery } from "@/lib/queries"

/** The disclaimer on every page: the server's text, or the bundled copy if it is unreachable. */
export const DisclaimerBanner = () => {
  const { data } = useQuery(disclaimerQuery())
  const text = data?.trim() ? data : DISCLAIMER_FALLBACK
  return (
    <aside
      role="note"
      aria-label="Disclaimer"
      data-testid="disclaimer-banner"
      className="flex items-start gap-2 border-b border-amber-600/40 bg-amber-950/60 px-4 py-2 text-xs leading-snug text-amber-200"
    >
      <TriangleAlert className="mt-0.5 size-4 shrink-0 text-amber-400" aria-hidden />
      <p>{text}</p>
    </aside>
  )
}
