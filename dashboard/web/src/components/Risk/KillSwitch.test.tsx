import { fireEvent, screen } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { mockFetch, renderWithQuery } from "@/test/render"
import KillSwitch from "./KillSwitch"

afterEach(() => {
  vi.unstubAllGlobals()
})

describe("KillSwitch", () => {
  it("for a viewer is disabled and says why", () => {
    const calls = mockFetch({})
    renderWithQuery(
      <KillSwitch
        user={{
          username: "val",
          role: "viewer",
          disclaimer_acknowledged_at: "2026-11-25T06:00:00Z",
        }}
      />,
    )
    const kill = screen.getByRole("button", { name: "Kill" }) as HTMLButtonElement
    expect(kill.disabled).toBe(true)
    expect(screen.getByTestId("kill-switch-denied").textContent).toContain("viewer")
    fireEvent.click(kill)
    expect(calls).toHaveLength(0)
  })

  it("for an operator queues a kill and follows the command until the engine completes it", async () => {
    let status = "pending"
    const calls = mockFetch({
      "POST /api/risk/kill": () => ({
        status: 202,
        body: { id: 7, kind: "kill", status: "pending" },
      }),
      "GET /api/commands/7": () => ({
        body: { id: 7, kind: "kill", status, result: status === "done" ? "latched" : null },
      }),
    })
    renderWithQuery(
      <KillSwitch
        user={{
          username: "olga",
          role: "operator",
          disclaimer_acknowledged_at: "2026-11-25T06:00:00Z",
        }}
      />,
    )
    expect(screen.queryByTestId("kill-switch-denied")).toBeNull()
    fireEvent.click(screen.getByRole("button", { name: "Kill" }))
    expect((await screen.findByTestId("command-status")).textContent).toContain("pending")
    expect(calls[0]).toMatchObject({ method: "POST", path: "/api/risk/kill" })
    expect(JSON.parse(String(calls[0].body))).toEqual({ line: "both" })

    status = "done"
    await vi.waitFor(() => expect(screen.getByTestId("command-status").textContent).toBe("done"), {
      timeout: 3000,
    })
    expect(screen.getByText("latched")).toBeTruthy()
  })

  it("shows the server's refusal", async () => {
    mockFetch({
      "POST /api/risk/kill": () => ({ status: 403, body: { detail: "Operators only" } }),
    })
    renderWithQuery(
      <KillSwitch
        user={{
          username: "olga",
          role: "operator",
          disclaimer_acknowledged_at: "2026-11-25T06:00:00Z",
        }}
      />,
    )
    fireEvent.click(screen.getByRole("button", { name: "Kill" }))
    expect((await screen.findByRole("alert")).textContent).toBe("Operators only")
  })
})
