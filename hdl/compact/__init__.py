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
  opened: the two CRC bytes and the delimiter take ~3,100 cycles at 12 MHz and 115200 baud,
  the longest check program (ORDER, 1 x 2) ~370. The verdict stays two cycles after the
  delimiter, as in GuardCore.

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
in logic (:mod:`.time_base`). Everything the core decides on the update stage comes from a
check program (a fill's kill too), since update programs run after it. At 1 instrument x 2
slots that is 842 µops and 200 of the 256 words; the engine alone synthesises for the iCE40
(``synth_ice40 -dsp``, 2026-12) to 417 LUTs, 24 carries, 78 flip-flops, 1 DSP and 14 block
RAMs (12 of them the ROM: 512 µops or fewer would take 6).

Still to build, in this order:

1. Fewer µops, if the block RAMs run short: at 48 bits, 512 µops fit 6 block RAMs of ROM
   (shared sequences as subroutines, the instrument programs folded into one with a base
   register; SET_LIMIT's thirteen programs are 169 µops).
2. The core around the engine: the payload copied into ``file.payload`` once the decoder
   has it (``FrameDecoder.o_payload_ready``) and the unpack and check programs run on it
   with ``unit`` written first (again for every payload), and on the beat: the timers
   (:class:`.time_base.TimeBase`, and the merge of :func:`.timers.finish_timers`), the
   trading state and kill latch (logic, for the button and the watchdog: only a kill
   changes the state between a program and its beat, and HALTED outranks every reason),
   the reason priority (``order_reason`` and its siblings), the response register, the
   counters and the STATUS words (the ages a STATUS shows: the program's age at its run plus
   the units since, saturating). Then ``unit`` (a snapshot: the counter must not move
   between its three words: TimeBase's snapshot) and ``beat`` written before the update
   program.
3. Its contract (the payload is shown some cycles before the beat; beats are further apart
   than the update programs take) in :mod:`hdl.guard_spec`, and the differential harnesses
   (GuardBench, the Verilator run, the formal proofs) pacing their bytes to it.
4. The iCEBreaker build with it, and its block RAMs: 30 on the UP5K, of which the response
   FIFO takes 11 and the counters 10 today; the response FIFO can move to an SPRAM.
"""
