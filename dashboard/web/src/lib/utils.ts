import { type ClassValue, clsx } from "clsx"
import { twMerge } from "tailwind-merge"

/** Merges Tailwind classes, letting later ones win (the shadcn `cn` helper). */
export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs))
}

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 })
const moneyFormat = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 2,
})

/**
 * Reads a number from the API: Decimals arrive as text ("123.45") so that no precision is
 * lost on the wire; anything that is not a finite number reads as null.
 */
export function num(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value)
    return Number.isFinite(parsed) ? parsed : null
  }
  return null
}

/** Formats a number for display; a missing value shows as an em dash. */
export function formatNumber(raw: unknown, digits = 2): string {
  const value = num(raw)
  if (value === null) return "—"
  if (digits === 2) return numberFormat.format(value)
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }).format(value)
}

/** Formats an amount in quote currency (USD-like). */
export function formatMoney(raw: unknown): string {
  const value = num(raw)
  if (value === null) return "—"
  return moneyFormat.format(value)
}

/** Formats a ratio in [0, 1] as a percentage. */
export function formatPercent(raw: unknown, digits = 1): string {
  const value = num(raw)
  if (value === null) return "—"
  return `${(value * 100).toFixed(digits)}%`
}

/** Parses a timestamp from the API (ISO string, seconds or milliseconds) to epoch ms. */
export function toEpochMs(ts: string | number | null | undefined): number | null {
  if (ts === null || ts === undefined) return null
  if (typeof ts === "number") return ts < 1e12 ? ts * 1000 : ts
  const parsed = Date.parse(ts)
  return Number.isNaN(parsed) ? null : parsed
}

/** Formats a timestamp as HH:MM:SS.mmm in UTC, the clock the engine logs in. */
export function formatTime(ts: string | number | null | undefined): string {
  const ms = toEpochMs(ts)
  if (ms === null) return "—"
  return new Date(ms).toISOString().slice(11, 23)
}
