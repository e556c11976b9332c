import { describe, expect, it } from "vitest"
import { formatMoney, formatPercent, formatTime, num, toEpochMs } from "./utils"

describe("num", () => {
  it.each([
    [12, 12],
    ["12.50", 12.5],
    ["-0.1", -0.1],
    ["", null],
    ["abc", null],
    [null, null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ])("num(%j) is %j", (input, expected) => {
    expect(num(input)).toBe(expected)
  })
})

describe("formatting", () => {
  it("formats Decimals sent as text", () => {
    expect(formatMoney("10009.8")).toBe("$10,009.80")
    expect(formatPercent("0.5")).toBe("50.0%")
  })

  it("shows a missing value as a dash", () => {
    expect(formatMoney(null)).toBe("—")
    expect(formatPercent(undefined)).toBe("—")
    expect(formatTime(null)).toBe("—")
  })

  it("reads seconds, milliseconds and ISO times alike", () => {
    const ms = Date.UTC(2026, 10, 25, 6, 0, 1, 250)
    expect(toEpochMs(ms / 1000)).toBe(ms)
    expect(toEpochMs(ms)).toBe(ms)
    expect(toEpochMs("2026-11-25T06:00:01.250Z")).toBe(ms)
    expect(formatTime("2026-11-25T06:00:01.250Z")).toBe("06:00:01.250")
  })
})
