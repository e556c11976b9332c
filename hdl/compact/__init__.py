"""The compact guard core for small FPGAs: a microcoded check engine over block RAM.

:class:`hdl.guard_core.GuardCore` evaluates every control at once, which an iCE40UP5K cannot
hold even at 1 instrument x 2 order slots (the board report's "logic by register" table
shows why: the order checks, the response payload, the valuation and the tick filter are
each hundreds of cells). This package is a second core for such parts. It keeps the same
semantics (:class:`host.link.model.GuardModel` describes both) and trades logic for time:

* The guard's state and the message's fields live in a register file in block RAM, and one
  16-bit adder steps through a program per message type (:mod:`.engine`,
  :mod:`.microcode`). Only the engine's adder, multiplier, flags and decode are logic.
* A program runs on the payload while the frame's CRC arrives, the window the cut-through
  opened: two UART bytes are ~200 cycles at 12 MHz and 115200 baud. The verdict stays two
  cycles after the delimiter, as in GuardCore.

Done, and tested against the model (the verdict, and the register file after the updates
holding the model's new state word for word): the engine; the register file's layout
(:mod:`.register_file`); ORDER checks and an accept's updates (:mod:`.orders`); the tick
filter and its updates (:mod:`.ticks`); CANCEL, FILL (the position, its exposure, the fill
window's kills) and CANCEL_ALL (:mod:`.releases`). At 1 instrument x 2 slots the engine with
the ORDER and TICK programs (436 µops) synthesises for the iCE40 to ~390 LUTs, 23 carries,
77 flip-flops, 1 DSP and 8 block RAMs.

Still to build, in this order:

1. SET_LIMIT, SET_INSTRUMENT, SET_POSITION (argument checks, the writes), ARM and KILL as
   programs; then fewer µops (the three families above take 619 at 1 x 2, 12 block RAMs of
   ROM at 48 bits a µop).
2. The core around the engine: the payload unpacked into the register file when it changes,
   the program rerun every few time units while the frame waits (a host may pause
   mid-frame, and the ages move), and on the beat only what can change while a program
   waits: the kill latch, and the ages against their windows as the time elapsed since the
   last run against the headroom that run left (a narrow counter, not a 25-bit comparator).
   Then the response register, the counters and the STATUS words.
3. Its contract (the payload is shown some cycles before the beat; beats are further apart
   than the update programs take) in :mod:`hdl.guard_spec`, and the differential harnesses
   (GuardBench, the Verilator run) pacing their bytes to it.
4. The iCEBreaker build with it, and its block RAMs: 30 on the UP5K, of which the response
   FIFO takes 11 and the counters 10 today, and the ROM needs ~6 per 512 micro-ops; the
   response FIFO can move to an SPRAM.
"""
