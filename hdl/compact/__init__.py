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
  opened: the decoder has the payload with the first CRC byte, and the second and the
  delimiter take ~2,080 cycles at 12 MHz and 115200 baud, where the core needs at most 428
  (its ``lead_cycles`` at 1 x 2). The verdict stays two cycles after the delimiter, as in
  GuardCore.

Time: the register file holds stamps (the time unit each age counts from, as the model
does) and the core writes the current unit before every program. A check on an age is a
timer (:mod:`.timers`): the program computes how many more units the check takes to hold,
and the core finishes it on the beat with one saturating counter of the units since, so a
reference that goes stale (or a window that ends) while the CRC arrives counts, whatever the
host's pauses.

Done, and tested against the model (the verdict or ack, and the register file after the
updates holding the model's new state word for word, stamps included; each check program run
a random number of units before its beat, and directed at every timer's edge): the engine;
the register file's layout (:mod:`.register_file`: state, then scratch words that the
messages share, constants from the top); the unpack programs, every field of a message from
its payload as the decoder holds it (:mod:`.unpack`); ORDER checks and an accept's updates
(:mod:`.orders`); the tick filter and its updates (:mod:`.ticks`); CANCEL, FILL (the position,
its exposure, the fill window's kills) and CANCEL_ALL (:mod:`.releases`); SET_LIMIT,
SET_INSTRUMENT, SET_POSITION and ARM (:mod:`.controls`); the timers, in the programs and
in logic (:mod:`.time_base`); and the core itself (:mod:`.core`): the sequencer that runs
the programs on the payload before the beat and the update programs after it, the verdicts
(reasons in priority order, timers finished, HALTED on the update stage), the trading state
and kill latch with the button and the watchdog, and the responses and ALERTs on GuardCore's
cycles. On random traffic, every directed scenario and the button's races with a message its
responses (STATUS aside), ALERTs and trading state are the model's, cycle for cycle, with the
payload shown exactly its ``lead_cycles`` before each beat. Everything the core decides on the
update stage comes from a check program (a fill's kill too), since update programs run after
it. At 1 instrument x 2 slots that is 843 µops and 201 of the 256 words. Synthesised for the iCE40
(``synth_ice40 -dsp``, 2026-12): the engine alone 417 LUTs, 24 carries, 78 flip-flops, 1
DSP and 14 block RAMs (12 of them the ROM: 512 µops or fewer would take 6); the core with it
1,335 LUTs, 222 carries, 494 flip-flops (GuardCore at this size: 4,904, 1,819 and 2,024).

Still to build, in this order:

1. The rest of the core: the counters, and the STATUS words (a program per section that
   gathers them before the beat; the ages it shows are its run's plus the units since,
   saturating; the state and counters are logic's). Then the cells: GuardCore's encoder is
   409 LUTs; a response FIFO of 16-bit words in an SPRAM, filled from the register file,
   would save most of it.
2. Its contract (``lead_cycles`` from ``i_payload_ready`` to the beat, ``update_cycles``
   between a beat and the next payload) in :mod:`hdl.guard_spec`, and the differential
   harnesses (GuardBench, the Verilator run, the formal proofs) pacing their bytes to it.
3. The iCEBreaker build with it. A trial place and route of the iCEBreaker guard with this
   core in GuardCore's place (no counters nor STATUS yet; 2026-12-07) used 2,488 of the
   UP5K's 5,280 logic cells (47 %) and 25 of its 30 block RAMs, with nextpnr's Fmax at
   21.9 MHz against the 12 MHz clock: two cycles are 91 ns at Fmax, 167 ns at 12 MHz, so
   the board needs its PLL at 16.7 MHz or more for the 120 ns goal. The counters' 10 block
   RAMs do not fit beside the engine's 14 and the response FIFO's 11: the response FIFO can
   move to an SPRAM, and fewer µops (shared sequences as subroutines, SET_LIMIT's thirteen
   programs of 169 µops folded into one) would halve the ROM.
"""
