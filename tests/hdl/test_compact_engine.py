# amaranth: UnusedElaboratable=no
"""The compact check engine in the Amaranth simulator, against Python's integers."""

import operator
import random
from collections.abc import Callable

import pytest
from compact_sim import run_programs, words_value

from hdl.compact.microcode import WORD_BITS, WORD_MASK, Assembler, MicroOp, Op

RELATIONS: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _edge_values(bits: int, rng: random.Random, count: int) -> list[int]:
    top = (1 << bits) - 1
    edges = [0, 1, top, top - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1]
    return edges + [rng.getrandbits(bits) for _ in range(count)]


@pytest.mark.parametrize("words", [1, 3])
def test_unsigned_comparisons_match_python(words: int) -> None:
    asm = Assembler()
    x, y = asm.reg("x", words), asm.reg("y", words)
    asm.entry("compare")
    for name, _ in RELATIONS.items():
        asm.set_if(f"x {name} y", x, name, y)
    asm.end()
    rng = random.Random(words)
    bits = WORD_BITS * words
    pairs = [(a, b) for a in _edge_values(bits, rng, 4) for b in _edge_values(bits, rng, 2)]
    pairs += [(a, a) for a in _edge_values(bits, rng, 4)]
    results = run_programs(asm, [("compare", {x: a, y: b}) for a, b in pairs], [])
    for (a, b), run in zip(pairs, results, strict=True):
        flags = run.flags
        for name, relation in RELATIONS.items():
            assert flags[f"x {name} y"] == relation(a, b), (a, name, b)


def test_signed_comparisons_match_python() -> None:
    asm = Assembler()
    x, y = asm.reg("x", 2, signed=True), asm.reg("y", 2, signed=True)
    asm.entry("compare")
    for name in RELATIONS:
        asm.set_if(f"x {name} y", x, name, y)
    asm.end()
    rng = random.Random(5)
    values = [v - (1 << 31) for v in _edge_values(32, rng, 6)]
    pairs = [(a, b) for a in values for b in values]
    results = run_programs(asm, [("compare", {x: a, y: b}) for a, b in pairs], [])
    for (a, b), run in zip(pairs, results, strict=True):
        flags = run.flags
        for name, relation in RELATIONS.items():
            assert flags[f"x {name} y"] == relation(a, b), (a, name, b)


def test_wide_sums_differences_and_products_match_python() -> None:
    asm = Assembler()
    position = asm.reg("position", 2, signed=True)
    quantity = asm.reg("quantity", 1)
    total, difference = asm.reg("total", 3, signed=True), asm.reg("difference", 3, signed=True)
    product = asm.reg("product", 2)
    masked = asm.reg("masked", 1)
    asm.entry("arithmetic")
    asm.wide(Op.ADD, position, quantity, dest=total)
    asm.wide(Op.SUB, position, quantity, dest=difference)
    asm.wide(Op.MUL_LO, quantity, position, dest=asm.regs["product"], words=1)
    asm.program.append(
        MicroOp(
            op=Op.MUL_HI,
            a=quantity.address,
            b=position.address,
            dest=product.address + 1,
        )
    )
    asm.wide(Op.AND, quantity, asm.const(0x0F0F, 1), dest=masked)
    asm.end()
    rng = random.Random(7)
    cases = [(p - (1 << 31), q) for p in _edge_values(32, rng, 5) for q in _edge_values(16, rng, 2)]
    results = run_programs(
        asm,
        [("arithmetic", {position: p, quantity: q}) for p, q in cases],
        [total, difference, product, masked],
    )
    for (p, q), run in zip(cases, results, strict=True):
        words = run.words
        assert words_value(words["total"], signed=True) == p + q
        assert words_value(words["difference"], signed=True) == p - q
        assert words_value(words["product"]) == q * (p & WORD_MASK)
        assert words_value(words["masked"]) == q & 0x0F0F


@pytest.mark.parametrize("flag_set", [True, False])
def test_a_predicated_move_happens_only_under_its_flag(flag_set: bool) -> None:
    # valuation-style: the larger of price and ask
    asm = Assembler()
    price, ask, larger = asm.reg("price", 2), asm.reg("ask", 2), asm.reg("larger", 2)
    asm.entry("larger")
    asm.set_if("price > ask", price, ">", ask)
    asm.move(larger, price, when="price > ask")
    asm.move(larger, ask, when="!price > ask")
    asm.end()
    a, b = (0x12_3456, 0x12_3455) if flag_set else (0x12_3455, 0x12_3456)
    [run] = run_programs(asm, [("larger", {price: a, ask: b})], [larger])
    flags, words = run.flags, run.words
    assert flags["price > ask"] is flag_set
    assert words_value(words["larger"]) == max(a, b)


def test_flags_accumulate_within_a_program_and_clear_at_the_next_start() -> None:
    asm = Assembler()
    price, low, high = asm.reg("price", 2), asm.reg("low", 2), asm.reg("high", 2)
    asm.entry("band")
    asm.set_if("outside", price, "<", low)
    asm.set_if("outside", price, ">", high)
    asm.end()
    asm.entry("nothing")
    asm.move(asm.reg("scratch", 1), asm.zero)
    asm.end()
    bounds = {low: 100, high: 200}
    runs = [
        ("band", {price: 99, **bounds}),
        ("band", {price: 100}),
        ("band", {price: 201}),
        ("band", {price: 200}),
        ("nothing", {}),
    ]
    outside = [run.flags["outside"] for run in run_programs(asm, runs, [])]
    assert outside == [True, False, True, False, False]


def test_a_micro_op_takes_two_cycles() -> None:
    asm = Assembler()
    x = asm.reg("x", 3)
    asm.entry("three")
    asm.set_if("x == 0", x, "==", asm.zero)
    asm.end()
    [run] = run_programs(asm, [("three", {x: 0})], [])
    cycles = run.cycles
    assert cycles == 1 + 2 * 3


def test_a_micro_op_field_that_does_not_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="µop field a must fit 8 bits, not 256"):
        MicroOp(a=256).pack()


def test_a_register_file_too_small_is_refused() -> None:
    asm = Assembler(depth=4)
    asm.reg("three", 3)
    with pytest.raises(ValueError, match="Register file must hold 'more'"):
        asm.reg("more", 1)


@pytest.mark.parametrize("flag_set", [True, False])
def test_a_program_that_continues_another_reads_its_flags(flag_set: bool) -> None:
    asm = Assembler()
    x, copy = asm.reg("x", 1), asm.reg("copy", 1)
    asm.entry("check")
    asm.set_if("x nonzero", x, "!=", asm.zero)
    asm.end()
    asm.entry("update")
    asm.move(copy, asm.zero)
    asm.move(copy, x, when="x nonzero")
    asm.end()
    value = 7 if flag_set else 0
    [run] = run_programs(
        asm, [("check", {x: value, copy: 99})], [copy], then=lambda *_: ("update", {})
    )
    assert run.check_flags["x nonzero"] is flag_set
    assert run.flags["x nonzero"] is flag_set
    assert run.words["copy"] == [value]


def test_halving_a_wide_value_matches_python() -> None:
    asm = Assembler()
    unsigned, half = asm.reg("unsigned", 2), asm.reg("half", 2)
    signed, signed_half = asm.reg("signed", 2, signed=True), asm.reg("signed_half", 2)
    asm.entry("halve")
    asm.halve(half, unsigned)
    asm.halve(signed_half, signed)
    asm.end()
    rng = random.Random(11)
    values = _edge_values(32, rng, 8)
    results = run_programs(
        asm,
        [("halve", {unsigned: v, signed: v - (1 << 31)}) for v in values],
        [half, signed_half],
    )
    for value, run in zip(values, results, strict=True):
        words = run.words
        assert words_value(words["half"]) == value >> 1
        assert words_value(words["signed_half"], signed=True) == (value - (1 << 31)) >> 1


def test_a_wide_product_matches_python() -> None:
    asm = Assembler()
    a, b, product = asm.reg("a", 2), asm.reg("b", 2), asm.reg("product", 3)
    scratch = asm.reg("scratch", 2)
    asm.entry("multiply")
    asm.multiply(product, a, b, scratch=scratch)
    asm.end()
    rng = random.Random(13)
    pairs = [(x, y) for x in _edge_values(24, rng, 3) for y in _edge_values(24, rng, 2)]
    results = run_programs(asm, [("multiply", {a: x, b: y}) for x, y in pairs], [product])
    for (x, y), run in zip(pairs, results, strict=True):
        words = run.words
        assert words_value(words["product"]) == x * y


def test_an_unknown_relation_is_refused() -> None:
    asm = Assembler()
    with pytest.raises(ValueError, match="Relation must be one of .*, not '=<'"):
        asm.set_if("flag", asm.zero, "=<", asm.zero)
