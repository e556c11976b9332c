/** The one HTTP client: relative /api URLs, the bearer token, FastAPI errors as ApiError. */

const TOKEN_KEY = "quantum.access_token"

/** An HTTP error from the server, carrying FastAPI's `detail` as its message. */
export class ApiError extends Error {
  readonly status: number
  readonly detail: unknown

  constructor(status: number, detail: unknown) {
    super(detailToText(status, detail))
    this.name = "ApiError"
    this.status = status
    this.detail = detail
  }
}

function detailToText(status: number, detail: unknown): string {
  if (typeof detail === "string") return detail
  // FastAPI validation errors are a list of {loc, msg}; show the first one.
  if (Array.isArray(detail) && detail.length > 0) {
    const first = detail[0] as { msg?: string; loc?: unknown[] }
    const where = Array.isArray(first.loc) ? first.loc.join(".") : ""
    return where ? `${where}: ${first.msg ?? "invalid"}` : (first.msg ?? "Invalid request")
  }
  return `Request failed with status ${status}`
}

/** Turns any thrown value into one line of text for the UI. */
export function handleError(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function setToken(token: string | null): void {
  if (token === null) localStorage.removeItem(TOKEN_KEY)
  else localStorage.setItem(TOKEN_KEY, token)
}

export function isLoggedIn(): boolean {
  return getToken() !== null
}

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler = () => {}

/** Registers the single 401 handler (main.tsx: log out and go to /login). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler
}

/** Reports a rejected token from outside `request` (the live feed's close code). */
export function notifyUnauthorized(): void {
  if (getToken() !== null) onUnauthorized()
}

type Query = Record<string, string | number | boolean | null | undefined>

function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

/** Calls the server and parses JSON; a 401 logs out through the registered handler. */
export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; form?: URLSearchParams } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" }
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let body: BodyInit | undefined
  if (options.form) {
    body = options.form
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers["Content-Type"] = "application/json"
  }
  const response = await fetch(withQuery(path, options.query), { method, headers, body })
  const text = await response.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (!response.ok) {
    const detail = (data as { detail?: unknown } | null)?.detail ?? data
    if (response.status === 401 && token) onUnauthorized()
    throw new ApiError(response.status, detail)
  }
  return data as T
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body }),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, { body }),
}

/** Lists come either bare or wrapped as {data, count} (the fastapi template's shape). */
export function asList<T>(value: unknown): T[] {
  if (Array.isArray(value)) return value as T[]
  if (value && typeof value === "object") {
    const wrapped = value as { data?: unknown; items?: unknown }
    if (Array.isArray(wrapped.data)) return wrapped.data as T[]
    if (Array.isArray(wrapped.items)) return wrapped.items as T[]
  }
  return []
}
