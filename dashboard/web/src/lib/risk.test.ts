import { describe, expect, it } from "vitest"
import { commandIdOf, feedAges, formatLimit, isCommandFinished, riskLines } from "./risk"

const gatewareRow = {
  line: "gateware",
  ts: "2026-11-25T06:00:00Z",
  backend: "model",
  status: {
    state: "ARMED",
    limits: { max_notional: "1000" },
    reject_counts: { MAX_NOTIONAL: 3, KILLED: "2" },
    feed_age_ms: { "binance:BTC/USDT": 120 },
  },
}
const drbRow = { line: "drbguard", backend: "python", status: { state: "ACTIVE" } }

describe("riskLines", () => {
  it("reads a list of guard_status rows, gateware first", () => {
    const lines = riskLines({ lines: [drbRow, gatewareRow] })
    expect(lines.map((l) => l.line)).toEqual(["gateware", "drbguard"])
    expect(lines[0]).toMatchObject({
      backend: "model",
      state: "ARMED",
      limits: { max_notional: "1000" },
      rejectCounts: { MAX_NOTIONAL: 3, KILLED: 2 },
      feedAgeMs: { "binance:BTC/USDT": 120 },
    })
  })

  it("reads lines keyed by name", () => {
    const lines = riskLines({ drbguard: drbRow, gateware: gatewareRow, gateware_backend: "model" })
    expect(lines.map((l) => l.line)).toEqual(["gateware", "drbguard"])
  })

  it("returns nothing for a response that is not an object", () => {
    expect(riskLines(null)).toEqual([])
    expect(riskLines([1, 2])).toEqual([])
  })
})

describe("feedAges", () => {
  it("prefers the server's top-level map", () => {
    const snapshot = { lines: [gatewareRow], market_data_age_ms: { feed: 5 } }
    expect(feedAges(snapshot, riskLines(snapshot))).toEqual({ feed: 5 })
  })

  it("falls back to the lines' own ages", () => {
    const snapshot = { lines: [gatewareRow] }
    expect(feedAges(snapshot, riskLines(snapshot))).toEqual({ "binance:BTC/USDT": 120 })
  })
})

describe("commands", () => {
  it.each([
    [{ id: 3 }, "3"],
    [{ command_id: 4 }, "4"],
    [{ command: { id: 5 } }, "5"],
    [6, "6"],
    [{}, null],
  ])("commandIdOf(%j) is %j", (response, expected) => {
    expect(commandIdOf(response)).toBe(expected)
  })

  it("is finished only when done or failed", () => {
    expect(isCommandFinished({ status: "pending" })).toBe(false)
    expect(isCommandFinished({ status: "done" })).toBe(true)
    expect(isCommandFinished({ status: "failed" })).toBe(true)
    expect(isCommandFinished(undefined)).toBe(false)
  })
})

describe("formatLimit", () => {
  it("shows scalars as they are and a missing value as a dash", () => {
    expect(formatLimit(1500)).toBe("1500")
    expect(formatLimit("0.05")).toBe("0.05")
    expect(formatLimit(null)).toBe("—")
  })

  it("lists a per-symbol map, and says what an empty one means", () => {
    expect(formatLimit({ BTCUSDT: 5, ETHUSDT: 40 })).toBe("BTCUSDT 5, ETHUSDT 40")
    expect(formatLimit({})).toBe("instrument defaults")
  })
})
