import { useQuery } from "@tanstack/react-query"
import { Link } from "@tanstack/react-router"
import Markdown from "react-markdown"
import remarkGfm from "remark-gfm"
import { QueryState } from "@/components/Common/QueryState"
import { Card, CardContent } from "@/components/ui/card"
import { lessonQuery, lessonsQuery } from "@/lib/queries"
import { cn } from "@/lib/utils"

interface LearnProps {
  slug?: string
}

/** The lessons (docs/lessons/*.md): a list, and the chosen one rendered as Markdown. */
const Learn = ({ slug }: LearnProps) => {
  const lessons = useQuery(lessonsQuery())
  const current = slug ?? lessons.data?.[0]?.slug ?? null
  const lesson = useQuery({ ...lessonQuery(current ?? ""), enabled: current !== null })

  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold">Learn</h1>
        <p className="text-sm text-zinc-400">
          What this project does, what the Blueprint 2026 would do, and what the difference costs.
        </p>
      </div>
      <div className="grid gap-6 md:grid-cols-[16rem_1fr]">
        <nav aria-label="Lessons">
          <QueryState
            query={lessons}
            empty={(rows) => rows.length === 0}
            emptyText="No lessons found."
          >
            {(rows) => (
              <ul className="flex flex-col gap-1">
                {rows.map((item) => (
                  <li key={item.slug}>
                    <Link
                      to="/learn/$slug"
                      params={{ slug: item.slug }}
                      className={cn(
                        "block rounded-md px-3 py-1.5 text-sm text-zinc-400 hover:bg-zinc-800 hover:text-zinc-100",
                        item.slug === current && "bg-zinc-800 text-zinc-100",
                      )}
                    >
                      {item.title || item.slug}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </nav>
        <Card>
          <CardContent className="p-6">
            {current === null ? (
              <p className="text-sm text-zinc-500">Choose a lesson.</p>
            ) : (
              <QueryState query={lesson}>
                {(data) => (
                  <article className="lesson" data-testid="lesson">
                    <Markdown remarkPlugins={[remarkGfm]}>{data.markdown}</Markdown>
                  </article>
                )}
              </QueryState>
            )}
          </CardContent>
        </Card>
      </div>
    </div>
  )
}

export default Learn
