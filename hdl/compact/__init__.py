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

Tested against the model (the verdict, ack or reply, and the register file after the updates
holding the model's new state word for word, stamps included; each check program run a random
number of units before its beat, and directed at every timer's edge): the engine; the register
file's layout (:mod:`.register_file`: state, then scratch words that the messages share,
constants from the top); the unpack programs, every field of a message from its payload as the
decoder holds it (:mod:`.unpack`); ORDER checks and an accept's updates (:mod:`.orders`); the
tick filter and its updates (:mod:`.ticks`); CANCEL, FILL (the position, its exposure, the fill
window's kills) and CANCEL_ALL (:mod:`.releases`); SET_LIMIT, SET_INSTRUMENT, SET_POSITION and
ARM (:mod:`.controls`); STATUS, a program per section (:mod:`.status`); the timers, in the
programs and in logic (:mod:`.time_base`); the counters (:mod:`.counters`); and the core itself
(:mod:`.core`): the sequencer that runs the programs on the payload before the beat and the
update programs after it, the verdicts (reasons in priority order, timers finished, HALTED on
the update stage), the trading state and kill latch with the button and the watchdog, and every
response and ALERT on GuardCore's cycles. On random traffic, every directed scenario and the
button's races with a message they are the model's, cycle for cycle, with the payload shown
exactly its ``lead_cycles`` before each beat; and behind the frame decoder and encoder in
Verilator (:mod:`sim.designs`, ``guard_top_compact``), on random traffic with the frames paced
to the core. Everything the core decides on the update stage comes from a check program (a
fill's kill too), since update programs run after it.

It is the iCEBreaker's core (:mod:`host.boards.catalog`): at 1 instrument x 2 slots, 962 µops
and 206 of the register file's 256 words; the board's report (``bitstreams/icebreaker/``) has
its cells, block RAMs and Fmax. Ways to more room, should the UP5K need it: the response FIFO
in an SPRAM (it takes 11 of the 30 block RAMs, and the encoder's byte multiplexer 409 LUTs),
the time unit's words written from the counter itself instead of a snapshot (48 flip-flops),
and fewer µops (shared sequences as subroutines; 512 or fewer halve the ROM's block RAMs).
"""
