/** Converts API rows to lightweight-charts series data (time in whole seconds, ascending). */
import type { UTCTimestamp } from "lightweight-charts"
import { num, toEpochMs } from "./utils"

export interface TimeValue {
  time: UTCTimestamp
  value: number
}

/**
 * Sorts by time and keeps the last value per second: the chart library rejects data that is
 * not strictly ascending, and the engine can write several points within one second.
 */
export function toSeries<T>(
  rows: T[],
  ts: (row: T) => string | number | null | undefined,
  value: (row: T) => unknown,
): TimeValue[] {
  const bySecond = new Map<number, number>()
  const points = rows
    .map((row) => ({ ms: toEpochMs(ts(row)), value: num(value(row)) }))
    .filter((p): p is { ms: number; value: number } => p.ms !== null && p.value !== null)
    .sort((a, b) => a.ms - b.ms)
  for (const point of points) bySecond.set(Math.floor(point.ms / 1000), point.value)
  return [...bySecond.entries()].map(([time, value]) => ({ time: time as UTCTimestamp, value }))
}
