import type { UseQueryResult } from "@tanstack/react-query"
import type { ReactNode } from "react"
import { handleError } from "@/lib/api"

interface QueryStateProps<T> {
  query: UseQueryResult<T>
  children: (data: T) => ReactNode
  empty?: (data: T) => boolean
  emptyText?: string
}

/** Renders loading, error and empty states the same way everywhere. */
export function QueryState<T>({ query, children, empty, emptyText }: QueryStateProps<T>) {
  if (query.isPending) return <p className="py-4 text-sm text-zinc-500">Loading…</p>
  if (query.isError)
    return <p className="py-4 text-sm text-red-400">Could not load: {handleError(query.error)}</p>
  if (empty?.(query.data))
    return <p className="py-4 text-sm text-zinc-500">{emptyText ?? "Nothing yet."}</p>
  return <>{children(query.data)}</>
}
