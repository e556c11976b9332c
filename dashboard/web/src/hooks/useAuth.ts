/** Login, logout, the current user and the disclaimer acknowledgement. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useNavigate } from "@tanstack/react-router"
import { api, getToken, isLoggedIn, request, setToken } from "@/lib/api"
import { currentUserQuery, queryKeys } from "@/lib/queries"
import type { LoginResponse, User } from "@/lib/types"

export { isLoggedIn }

export interface Credentials {
  username: string
  password: string
}

/** Posts the OAuth2 password form; FastAPI's OAuth2PasswordRequestForm reads it. */
export async function login(credentials: Credentials): Promise<LoginResponse> {
  const form = new URLSearchParams({
    username: credentials.username,
    password: credentials.password,
  })
  const response = await request<LoginResponse>("POST", "/api/auth/login", { form })
  setToken(response.access_token)
  return response
}

/** Whether the user has acknowledged the disclaimer (the server records when). */
export function hasAcknowledged(user: User | null | undefined): boolean {
  if (!user) return false
  return Boolean(user.disclaimer_acknowledged_at)
}

/** Operators and admins may press kill / re-arm and change limits; viewers only look. */
export function canOperate(user: User | null | undefined): boolean {
  return user?.role === "operator" || user?.role === "admin"
}

const useAuth = () => {
  const queryClient = useQueryClient()
  const navigate = useNavigate()

  const userQuery = useQuery({ ...currentUserQuery(), enabled: getToken() !== null })

  const loginMutation = useMutation({
    mutationFn: login,
    onSuccess: (response) => {
      queryClient.setQueryData(queryKeys.currentUser, response.user)
      void navigate({ to: "/" })
    },
  })

  const acknowledgeMutation = useMutation({
    mutationFn: () => api.post<User>("/api/auth/acknowledge"),
    onSuccess: (user) => {
      // The server answers with the user, acknowledgement time included.
      queryClient.setQueryData<User>(queryKeys.currentUser, user)
    },
  })

  const logout = () => {
    setToken(null)
    queryClient.clear()
    void navigate({ to: "/login" })
  }

  return {
    user: userQuery.data ?? null,
    userQuery,
    loginMutation,
    acknowledgeMutation,
    logout,
  }
}

export default useAuth
