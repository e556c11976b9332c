import { fireEvent, screen } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { ApiError } from "@/lib/api"
import { mockFetch, renderWithQuery } from "@/test/render"
import DisclaimerDialog from "./DisclaimerDialog"

afterEach(() => {
  vi.unstubAllGlobals()
})

describe("DisclaimerDialog", () => {
  it("cannot be acknowledged before the box is ticked", async () => {
    mockFetch({ "GET /api/disclaimer": () => ({ body: { text: "Education only." } }) })
    const onAcknowledge = vi.fn(async () => {})
    renderWithQuery(<DisclaimerDialog open onAcknowledge={onAcknowledge} onLogout={() => {}} />)
    const button = screen.getByRole("button", { name: "I acknowledge" }) as HTMLButtonElement
    expect(button.disabled).toBe(true)
    fireEvent.click(button)
    expect(onAcknowledge).not.toHaveBeenCalled()

    fireEvent.click(screen.getByRole("checkbox"))
    expect(button.disabled).toBe(false)
    fireEvent.click(button)
    expect(onAcknowledge).toHaveBeenCalledTimes(1)
  })

  it("shows the server's error when acknowledging fails", async () => {
    mockFetch({})
    const onAcknowledge = vi.fn(async () => {
      throw new ApiError(500, "Database is read-only")
    })
    renderWithQuery(<DisclaimerDialog open onAcknowledge={onAcknowledge} onLogout={() => {}} />)
    fireEvent.click(screen.getByRole("checkbox"))
    fireEvent.click(screen.getByRole("button", { name: "I acknowledge" }))
    expect(await screen.findByText("Database is read-only")).toBeTruthy()
  })

  it("cannot be dismissed with Escape", () => {
    mockFetch({})
    renderWithQuery(<DisclaimerDialog open onAcknowledge={async () => {}} onLogout={() => {}} />)
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" })
    expect(screen.getByRole("dialog")).toBeTruthy()
  })
})
