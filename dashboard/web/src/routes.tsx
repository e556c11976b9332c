/** The route tree: /login outside, every other page inside the guarded DashboardLayout. */
import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router"
import DashboardLayout from "@/components/Layout/DashboardLayout"
import { isLoggedIn } from "@/lib/api"
import Login from "@/pages/Login"

// Pages load on first visit: the charts and the Markdown renderer are most of the bundle.
const Home = lazyRouteComponent(() => import("@/pages/Home"))
const Trading = lazyRouteComponent(() => import("@/pages/Trading"))
const Risk = lazyRouteComponent(() => import("@/pages/Risk"))
const Learn = lazyRouteComponent(() => import("@/pages/Learn"))

const rootRoute = createRootRoute({ component: Outlet })

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  beforeLoad: () => {
    if (isLoggedIn()) throw redirect({ to: "/" })
  },
  component: Login,
})

const layoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "_layout",
  beforeLoad: () => {
    if (!isLoggedIn()) throw redirect({ to: "/login" })
  },
  component: DashboardLayout,
})

const homeRoute = createRoute({ getParentRoute: () => layoutRoute, path: "/", component: Home })
const tradingRoute = createRoute({
  getParentRoute: () => layoutRoute,
  path: "/trading",
  component: Trading,
})
const riskRoute = createRoute({ getParentRoute: () => layoutRoute, path: "/risk", component: Risk })
const learnRoute = createRoute({
  getParentRoute: () => layoutRoute,
  path: "/learn",
  component: () => <Learn />,
})
const lessonRoute = createRoute({
  getParentRoute: () => layoutRoute,
  path: "/learn/$slug",
  component: function LessonPage() {
    const { slug } = lessonRoute.useParams()
    return <Learn slug={slug} />
  },
})

const routeTree = rootRoute.addChildren([
  loginRoute,
  layoutRoute.addChildren([homeRoute, tradingRoute, riskRoute, learnRoute, lessonRoute]),
])

export const router = createRouter({ routeTree, defaultPreload: "intent" })

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router
  }
}
