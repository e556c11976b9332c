import { render, screen } from "@testing-library/react"
import { describe, expect, it } from "vitest"
import { BackendBadge, isAccept, Verdict } from "./Verdict"

describe("Verdict", () => {
  it.each([null, undefined, "", "ACCEPT"])("reads %j as an accept", (reason) => {
    expect(isAccept(reason)).toBe(true)
    render(<Verdict reason={reason} />)
    expect(screen.getByText("ACCEPT")).toBeTruthy()
  })

  it("shows a reject with its reason code", () => {
    render(<Verdict reason="MAX_NOTIONAL" />)
    expect(isAccept("MAX_NOTIONAL")).toBe(false)
    expect(screen.getByText("REJECT · MAX_NOTIONAL")).toBeTruthy()
  })

  it("says when a line never saw the order", () => {
    render(<Verdict reason={null} notReached />)
    expect(screen.getByText("not reached")).toBeTruthy()
  })
})

describe("BackendBadge", () => {
  it("labels the reference model as NOT hardware", () => {
    render(<BackendBadge backend="model" />)
    expect(screen.getByText(/NOT hardware/)).toBeTruthy()
  })

  it("labels the Verilator simulation as a simulation", () => {
    render(<BackendBadge backend="sim" />)
    expect(screen.getByText(/Verilator/)).toBeTruthy()
    expect(screen.queryByText(/FPGA/)).toBeNull()
  })

  it("labels the serial backend as the FPGA", () => {
    render(<BackendBadge backend="serial" />)
    expect(screen.getByText("serial · FPGA")).toBeTruthy()
  })

  it("never calls another backend an FPGA", () => {
    render(<BackendBadge backend="python" />)
    expect(screen.getByText("python")).toBeTruthy()
    expect(screen.queryByText(/FPGA/)).toBeNull()
  })
})
