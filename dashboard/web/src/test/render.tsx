import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { render } from "@testing-library/react"
import type { ReactElement } from "react"
import { vi } from "vitest"

/** Renders inside a fresh QueryClient (no retries, so errors show at once). */
export function renderWithQuery(ui: ReactElement) {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  })
  const result = render(<QueryClientProvider client={queryClient}>{ui}</QueryClientProvider>)
  return { ...result, queryClient }
}

type Route = (init: RequestInit | undefined) => { status?: number; body: unknown }

/** Replaces fetch with a table of "METHOD /path" -> response; anything else is a 404. */
export function mockFetch(routes: Record<string, Route>) {
  const calls: { method: string; path: string; body: unknown }[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost")
    const method = init?.method ?? "GET"
    calls.push({ method, path: url.pathname, body: init?.body })
    const route = routes[`${method} ${url.pathname}`]
    if (!route) return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404 })
    const { status = 200, body } = route(init)
    return new Response(JSON.stringify(body), { status })
  })
  vi.stubGlobal("fetch", fetchMock)
  return calls
}
