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

Done, and tested against the model (the verdict or ack, and the register file after the
updates holding the model's new state word for word): the engine; the register file's layout
(:mod:`.register_file`: state, then scratch words that the messages share, constants from the
top); ORDER checks and an accept's updates (:mod:`.orders`); the tick filter and its updates
(:mod:`.ticks`); CANCEL, FILL (the position, its exposure, the fill window's kills) and
CANCEL_ALL (:mod:`.releases`); SET_LIMIT, SET_INSTRUMENT, SET_POSITION and ARM
(:mod:`.controls`). At 1 instrument x 2 slots that is 747 µops and 181 of the 256 words,
and the engine with all of them synthesises for the iCE40 (``synth_ice40 -dsp``, alone,
2026-12) to 494 LUTs, 24 carries, 80 flip-flops, 1 DSP and 11 block RAMs (Yosys maps part
of the ROM to LUTs).

Still to build, in this order:

1. Fewer µops: at 48 bits, 512 µops fit 6 block RAMs of ROM (shared sequences as
   subroutines, the instrument programs folded into one with a base register).
2. The core around the engine: the payload unpacked into the register file when it changes
   (the field table is :func:`.register_file.allocate`'s), the program rerun every few time
   units while the frame waits (a host may pause mid-frame, and the ages move), and on the
   beat only what can change while a program waits: the trading state and kill latch (logic,
   for the button and the watchdog; the programs flag what it must do), and the ages against
   their windows as the time elapsed since the last run against the headroom that run left
   (a narrow counter, not a 25-bit comparator). Then the reason priority (``order_reason``
   and its siblings, in logic), the response register, the counters and the STATUS words.
3. Its contract (the payload is shown some cycles before the beat; beats are further apart
   than the update programs take) in :mod:`hdl.guard_spec`, and the differential harnesses
   (GuardBench, the Verilator run, the formal proofs) pacing their bytes to it.
4. The iCEBreaker build with it, and its block RAMs: 30 on the UP5K, of which the response
   FIFO takes 11 and the counters 10 today; the response FIFO can move to an SPRAM.
"""
