import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { RouterProvider } from "@tanstack/react-router"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { ApiError, setToken, setUnauthorizedHandler } from "@/lib/api"
import { router } from "@/routes"
import "./index.css"

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Auth and permission errors will not fix themselves by retrying.
      retry: (count, error) =>
        !(error instanceof ApiError && (error.status === 401 || error.status === 403)) && count < 2,
      staleTime: 5_000,
    },
  },
})
// The one 401 handler, for every query and mutation: a token the server no longer accepts
// logs the user out.
setUnauthorizedHandler(() => {
  setToken(null)
  queryClient.clear()
  void router.navigate({ to: "/login" })
})

const root = document.getElementById("root")
if (!root) throw new Error("The page must have a #root element")
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
