# amaranth: UnusedElaboratable=no
"""The STATUS programs of the compact check engine against GuardModel: the words they write,
with what the core puts in on the update stage (state, kill cause, the reference's age)."""

import pytest
from compact_sim import (
    Sample,
    armed_setup,
    checked,
    every_status_section,
    random_traffic,
    replay,
    run_programs,
    words_value,
)

from hdl.compact.programs import build_programs
from hdl.compact.register_file import STATUS_WORD_REGS, STATUS_WORDS, GuardFile
from hdl.compact.status import status_age, status_program
from hdl.guard_spec import (
    AGE_MAX,
    COUNTER_PAGES,
    INSTRUMENT_PAGES,
    LIMIT_PAGES,
    WORD_MAX,
    instrument_section,
)
from hdl.protocol import MessageType, Side, StatusSection
from host.link.model import GuardModel
from sim import scenarios as sc

_WORD_MASK = WORD_MAX  # a STATUS word's bits
#: SUMMARY's first word: the state and kill cause bytes are the core's (its kill latch).
_LATCH_BYTES = (1 << 16) - 1


def _words(file: GuardFile, written: dict[int, int]) -> list[int]:
    """The four STATUS words as the core captures them: the program's last write of each
    register-file word, zero if it wrote none (low 40 bits each)."""
    status = [written.get(file.status.address + k, 0) for k in range(file.status.words)]
    return [
        words_value(status[STATUS_WORD_REGS * k : STATUS_WORD_REGS * (k + 1)]) & _WORD_MASK
        for k in range(STATUS_WORDS)
    ]


def _check(file: GuardFile, samples: list[Sample], time_unit_cycles: int) -> set[str]:
    """Run each sample's STATUS program; its words, with the core's part, are the model's."""
    asm = file.assembler
    programs = [status_program(file, s.message["section"]) for s in samples]
    runs = run_programs(
        asm,
        [
            (checked(file, s.message, asm.entries[p]), s.before)
            for s, p in zip(samples, programs, strict=True)
        ],
        [],
        scope="status",
    )
    for index, (sample, program, run) in enumerate(zip(samples, programs, runs, strict=True)):
        (reply,) = sample.responses
        want = [reply[f"words[{k}]"] for k in range(STATUS_WORDS)]
        got = _words(file, run.written)
        section = sample.message["section"]
        if program == "status_none":
            # every word the core's: zero, or a counter page (hdl.compact.counters)
            assert got == [0] * STATUS_WORDS, f"STATUS {index} ({section:#x})"
            if not StatusSection.COUNTERS_0 <= section < StatusSection.COUNTERS_0 + COUNTER_PAGES:
                assert want == [0] * STATUS_WORDS, f"STATUS {index} ({section:#x})"
            continue
        if program == "status_summary":
            assert got[0] & _LATCH_BYTES == 0, "the program leaves the latch's bytes"
            got[0] |= want[0] & _LATCH_BYTES
        if program.endswith("_0") and program.startswith("status_instrument"):
            # the age at the program's unit, plus the units to the update stage
            run_unit = sample.cycle // time_unit_cycles - sample.elapsed
            got[3] = status_age(got[3], (sample.cycle + 1) // time_unit_cycles - run_unit)
        assert got == want, f"STATUS {index} ({section:#x}, {program})"
    return set(programs)


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 31), (2, 3, 32)])
def test_status_programs_show_the_models_words_on_random_traffic(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    file = build_programs(**size)
    model = GuardModel(time_unit_cycles=3, **size)
    events = random_traffic(seed, 3000, **size)
    samples = replay(file, events, model, {MessageType.STATUS}, seed=seed)
    programs = _check(file, samples, 3)
    assert {"status_summary", "status_instrument0_0", "status_none"} <= programs


def test_every_section_of_a_trading_guard_is_the_models() -> None:
    """A guard with open buys and sells, a short position and two references: every section,
    and the sections of nothing (an instrument not built, numbers past the last)."""
    file = build_programs(n_instruments=2, n_order_slots=3)
    model = GuardModel(time_unit_cycles=3, n_instruments=2, n_order_slots=3)
    trades = [
        sc.order(1, 7, 1500, side=Side.BUY),
        sc.order(2, 5, 1502, side=Side.SELL),
        sc.fill(2, 1501, 3),  # short 3, 2 left to sell
        sc.set_instrument(1),
        sc.tick(1, 200, 1000, 1004),
    ]
    messages = [
        *armed_setup(),
        *trades,
        *(sc.status(section) for section in every_status_section()),
    ]
    events = [(20 * (k + 1), m) for k, m in enumerate(messages)]
    samples = replay(file, events, model, {MessageType.STATUS}, lead=2)
    programs = _check(file, samples, 3)
    assert programs == {
        "status_none",
        "status_summary",
        *(f"status_instrument{i}_{p}" for i in range(2) for p in range(INSTRUMENT_PAGES)),
        *(f"status_limits{p}" for p in range(LIMIT_PAGES)),
    }
    # the trades are in what was compared: a short position, open quantities on both sides
    (page0,) = next(s for s in samples if s.message["section"] == instrument_section(0)).responses
    assert page0["words[0]"] == -3 & _WORD_MASK
    assert page0["words[1]"] == 7 | 2 << 20


def test_saturated_words_show_their_maximum_and_their_neighbours_their_value() -> None:
    """A gross exposure of WORD_MAX - 1 shows itself, one above WORD_MAX shows WORD_MAX; a
    reference AGE_MAX - 1 units old shows its age, one older than AGE_MAX shows AGE_MAX."""
    file = build_programs(n_instruments=1, n_order_slots=2)
    model = GuardModel(time_unit_cycles=1, n_instruments=1, n_order_slots=2)
    messages = [
        *armed_setup(),
        sc.set_position(0, 4_529_623, 242_738),  # 2**40 - 2
        sc.status(StatusSection.SUMMARY),
        sc.set_position(0, 1 << 20, (1 << 20) + 1),  # 2**40 + 2**20
        sc.status(StatusSection.SUMMARY),
    ]
    events = [(20 * (k + 1), m) for k, m in enumerate(messages)]
    tick_cycle = next(c for c, m in events if m.type == MessageType.TICK)
    reference = tick_cycle + 2  # the unit after the update stage: the model's ref_base
    events += [
        # a reply's age is that of the update stage, a cycle after the beat
        (reference + AGE_MAX - 2, sc.status(instrument_section(0))),
        (reference + AGE_MAX + 5, sc.status(instrument_section(0))),
    ]
    samples = replay(file, events, model, {MessageType.STATUS}, lead=3)
    below, above, young, old = (sample.responses[0] for sample in samples)
    assert (below["words[2]"], above["words[2]"]) == (WORD_MAX - 1, WORD_MAX)
    assert (young["words[3]"], old["words[3]"]) == (AGE_MAX - 1, AGE_MAX)
    _check(file, samples, 1)
