import { screen } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { DISCLAIMER_FALLBACK } from "@/lib/disclaimer"
import { mockFetch, renderWithQuery } from "@/test/render"
import { DisclaimerBanner } from "./DisclaimerBanner"

afterEach(() => {
  vi.unstubAllGlobals()
})

describe("DisclaimerBanner", () => {
  it("shows the text the server sends", async () => {
    mockFetch({ "GET /api/disclaimer": () => ({ body: { text: "Server copy of the warning" } }) })
    renderWithQuery(<DisclaimerBanner />)
    expect(await screen.findByText("Server copy of the warning")).toBeTruthy()
  })

  it("shows the bundled text while loading and when the server cannot be reached", async () => {
    mockFetch({ "GET /api/disclaimer": () => ({ status: 500, body: { detail: "down" } }) })
    renderWithQuery(<DisclaimerBanner />)
    const banner = screen.getByRole("note", { name: "Disclaimer" })
    expect(banner.textContent).toBe(DISCLAIMER_FALLBACK)
    await vi.waitFor(() => expect(vi.mocked(fetch)).toHaveBeenCalled())
    expect(screen.getByRole("note", { name: "Disclaimer" }).textContent).toBe(DISCLAIMER_FALLBACK)
  })

  it("the bundled text says education only and do not trade real markets", () => {
    expect(DISCLAIMER_FALLBACK).toContain("for education only")
    expect(DISCLAIMER_FALLBACK).toContain("$1M-5M of capital")
    expect(DISCLAIMER_FALLBACK).toContain("Do not use this system to trade on real markets")
  })
})
