# amaranth: UnusedElaboratable=no
"""Timers: a check on an age that a program starts and the core finishes on the beat."""

import operator
import random

import pytest
from compact_sim import flag_bits, run_programs, words_value

from hdl.compact.microcode import Assembler
from hdl.compact.register_file import STAMP_BITS, allocate
from hdl.compact.timers import add_timer, beat_flag, beat_word, timer_fired, timer_scratch
from hdl.guard_spec import AGE_MAX
from hdl.protocol import LimitId

_RELATIONS = {">": operator.gt, ">=": operator.ge}


@pytest.mark.parametrize("relation", [">", ">="])
def test_a_timer_fires_on_the_beat_exactly_when_the_age_then_meets_the_limit(
    relation: str,
) -> None:
    file = allocate(Assembler(), 1, 2)
    asm = file.assembler
    stamp, limit = file.instruments[0].ref_base, file.limits[LimitId.STALE_AFTER]
    asm.scope("timer")
    since = timer_scratch(file, "test")
    asm.entry("start")
    add_timer(file, 1, stamp, relation, limit, scratch=since)
    asm.end()

    # ages near the limit, far below and above it, beats long after (saturated), and stamps
    # near the top of the 48-bit counter
    rng = random.Random(relation)
    cases = []
    for _ in range(150):
        window = rng.choice((1, 2, rng.randint(1, (1 << 24) - 1), (1 << 24) - 1))
        age = max(0, window + rng.randint(-3, 3)) if rng.random() < 0.5 else rng.randint(0, 1 << 26)
        elapsed = rng.choice((0, 1, rng.randint(0, window + 3), AGE_MAX, AGE_MAX + 5))
        unit = rng.choice((age, rng.randint(age, (1 << STAMP_BITS) - 1)))
        cases.append((unit - age, unit, window, elapsed))
    runs = run_programs(
        asm,
        [("start", {stamp: s, file.unit: u, limit: w}) for s, u, w, _ in cases],
        [],
        between=file.timers,
    )
    numbers = asm.flags
    fired_seen = set()
    for (stamp_unit, unit, window, elapsed), run in zip(cases, runs, strict=True):
        headroom = words_value(run.between[file.timers[1].name])
        fired = timer_fired(flag_bits(run.check_flags, numbers), numbers, 1, headroom, elapsed)
        age_on_beat = min(unit + elapsed - stamp_unit, AGE_MAX)
        assert fired == _RELATIONS[relation](age_on_beat, window), (stamp_unit, unit, elapsed)
        fired_seen.add((fired, run.check_flags["timer1.now"]))
    # fired by the program, by the beat, and not at all
    assert fired_seen == {(True, True), (True, False), (False, False)}


def test_an_update_program_reads_on_the_beat_word_whether_its_timer_fired() -> None:
    file = allocate(Assembler(), 1, 2)
    asm = file.assembler
    asm.scope("update")
    asm.entry("update")
    beat_flag(file, 2, "fired", fired=True)
    beat_flag(file, 2, "held", fired=False)
    asm.end()
    words = [beat_word([False, True, True]), beat_word([True, True, False])]
    runs = run_programs(asm, [("update", {file.beat: word}) for word in words], [])
    assert [(run.flags["fired"], run.flags["held"]) for run in runs] == [
        (True, False),
        (False, True),
    ]


def test_a_timer_must_exist_and_compare_upwards() -> None:
    file = allocate(Assembler(), 1, 2)
    since = timer_scratch(file, "test")
    stamp, limit = file.rate_base, file.limits[next(iter(file.limits))]
    with pytest.raises(ValueError, match="Timer number must be in 0..2"):
        add_timer(file, 3, stamp, ">", limit, scratch=since)
    with pytest.raises(ValueError, match="relation must be > or >="):
        add_timer(file, 0, stamp, "<", limit, scratch=since)
