import { fireEvent, screen } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { mockFetch, renderWithQuery } from "@/test/render"
import LimitEditor from "./LimitEditor"

afterEach(() => {
  vi.unstubAllGlobals()
})

const operator = {
  username: "olga",
  role: "operator" as const,
  disclaimer_acknowledged_at: "2026-11-25T06:00:00Z",
}

describe("LimitEditor", () => {
  it("warns that a gateware limit change disarms the gateware, and not for DRBGuard", async () => {
    mockFetch({
      "GET /api/limits": () => ({
        body: {
          gateware: { max_order_qty: 10 },
          gateware_names: ["max_order_qty"],
          drbguard: { max_order_qty: 10 },
        },
      }),
    })
    renderWithQuery(<LimitEditor user={operator} />)
    expect(screen.getByTestId("limit-disarms").textContent).toContain("re-arms")

    fireEvent.change(screen.getByLabelText("Line"), { target: { value: "drbguard" } })
    expect(screen.queryByTestId("limit-disarms")).toBeNull()
  })
})
