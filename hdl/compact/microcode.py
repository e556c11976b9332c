"""The micro-operations of the compact check engine, and an assembler for them.

The compact engine (:mod:`hdl.compact.engine`) trades the parallel comparators of
:class:`hdl.guard_core.GuardCore` for one 16-bit adder that steps through a program. On an
iCE40 a comparator shared by several checks costs as much in operand multiplexers as it saves,
so the operands live in a register file in block RAM, whose read ports are the multiplexers,
for free. Every value is a little-endian run of 16-bit words there; constants are part of the
file's initial contents.

One micro-operation (µop) reads two words, A and B, and computes one word:

* ``ADD``: A + B + carry, ``SUB``: A + ~B + carry (carry 1 = no borrow), ``AND``, ``MOVE`` (B),
  ``MUL_LO`` / ``MUL_HI``: the low / high word of A x B (the FPGA's multiplier), ``SHIFT``:
  A shifted right by one with the low bit of B (the next word) shifted in, ``SHIFT8``: A
  shifted right by a byte with the low byte of B shifted in (a field that starts mid-word).
* ``chain``: the carry comes from the previous µop and the zero flag accumulates, so a run
  of µops over the words of a value, low word first, is one wide operation. Without it the
  carry is 0 for ``ADD`` and 1 for ``SUB``.
* ``a_sign`` / ``b_sign``: the operand is the sign of the word read (all ones when its top bit
  is set, else 0): the upper words of a signed value widened.
* ``cond`` and ``flag``: when the condition holds after this µop (carry, its inverse, the
  accumulated zero, its inverse, the result's top bit), flag ``flag`` is set. Flags only
  accumulate (OR) until the next start: a check that fails for any of several reasons is
  several µops setting the same flag.
* ``when`` and ``when_mode``: the µop writes and sets flags only if flag ``when`` is set (or
  clear); its carry and zero always update, so predication never breaks a chain.
* ``dest``: the result is written to that word; 0 (the zero constant's) writes nothing.
* ``last``: the program ends after this µop.
"""

import dataclasses
import enum
from dataclasses import dataclass, field

__all__ = [
    "WORD_BITS",
    "WORD_MASK",
    "N_FLAGS",
    "Op",
    "Cond",
    "MicroOp",
    "MICRO_OP_BITS",
    "Reg",
    "Assembler",
    "field_slices",
]

WORD_BITS = 16
WORD_MASK = (1 << WORD_BITS) - 1
#: Flags a program can set (a check's result, or a condition later µops depend on).
N_FLAGS = 64


class Op(enum.IntEnum):
    """What a µop computes from A and B."""

    ADD = 0
    SUB = 1
    AND = 2
    MOVE = 3
    MUL_LO = 4
    MUL_HI = 5
    SHIFT = 6  # (A >> 1) with B's low bit on top: a wide value halved, word by word
    SHIFT8 = 7  # (A >> 8) with B's low byte on top: bytes of a payload realigned


class Cond(enum.IntEnum):
    """When a µop sets its flag (after this µop, with its chain)."""

    NEVER = 0
    CARRY = 1  # SUB: A >= B over the chain; ADD: the sum overflowed
    NO_CARRY = 2  # SUB: A < B over the chain
    ZERO = 3  # every word of the chain was 0 (SUB: A == B)
    NONZERO = 4
    NEGATIVE = 5  # the top bit of this word: a signed result below zero
    NOT_NEGATIVE = 6
    ALWAYS = 7


#: Field name -> width in bits, in packing order (least significant first).
_FIELDS = (
    ("op", 3),
    ("a", 8),
    ("a_sign", 1),
    ("b", 8),
    ("b_sign", 1),
    ("dest", 8),
    ("chain", 1),
    ("cond", 3),
    ("flag", 6),
    ("when_mode", 2),
    ("when", 6),
    ("last", 1),
)
#: Width of a packed µop.
MICRO_OP_BITS = sum(width for _, width in _FIELDS)
#: ``when_mode``: always, only if the flag is set, only if it is clear.
WHEN_ALWAYS, WHEN_SET, WHEN_CLEAR = 0, 1, 2


@dataclass(frozen=True)
class MicroOp:
    """One µop, unpacked (see the module documentation)."""

    op: Op = Op.MOVE
    a: int = 0
    a_sign: bool = False
    b: int = 0
    b_sign: bool = False
    dest: int = 0
    chain: bool = False
    cond: Cond = Cond.NEVER
    flag: int = 0
    when_mode: int = WHEN_ALWAYS
    when: int = 0
    last: bool = False

    def pack(self) -> int:
        """The µop as one integer of :data:`MICRO_OP_BITS` bits (the ROM word).

        Raises
        ------
        ValueError
            If a field does not fit its width.
        """
        word, offset = 0, 0
        for name, width in _FIELDS:
            value = int(getattr(self, name))
            if not 0 <= value < 1 << width:
                raise ValueError(f"µop field {name} must fit {width} bits, not {value!r}")
            word |= value << offset
            offset += width
        return word


def field_slices() -> dict[str, tuple[int, int]]:
    """Field name -> (offset, width) in a packed µop, for the gateware's decoder."""
    slices, offset = {}, 0
    for name, width in _FIELDS:
        slices[name] = (offset, width)
        offset += width
    return slices


@dataclass(frozen=True)
class Reg:
    """A value in the register file: ``words`` words from ``address``, low word first."""

    name: str
    address: int
    words: int
    signed: bool = False

    def part(self, start: int, words: int | None = None) -> "Reg":
        """Words ``start`` .. ``start + words - 1`` (default: to the top) as an unsigned value."""
        words = self.words - start if words is None else words
        if not (0 <= start and 0 < words and start + words <= self.words):
            raise ValueError(f"A part of {self.name!r} must lie within its {self.words} words")
        return Reg(f"{self.name}[{start}:{start + words}]", self.address + start, words)

    def word(self, index: int) -> tuple[int, bool]:
        """(address, sign-extend) of word ``index``, widened past the top as the value's type
        says: a signed value repeats its sign, an unsigned one reads the zero constant."""
        if index < self.words:
            return self.address + index, False
        if self.signed:
            return self.address + self.words - 1, True
        return -1, False  # the assembler substitutes its zero constant


@dataclass
class Assembler:
    """Lays out the register file and builds programs of µops.

    Parameters
    ----------
    depth : int
        Words in the register file.
    """

    depth: int = 256
    program: list[MicroOp] = field(default_factory=list)
    init: dict[int, int] = field(default_factory=dict)
    regs: dict[str, Reg] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    # The file from the bottom: the state (for good), then the scratch words of each scope
    # overlapping those of the others; constants from the top down.
    _next: int = 0
    _scratch_base: int | None = None
    _scratch_next: dict[str, int] = field(default_factory=dict)
    _high: int = 0
    _top: int = 0
    # flag numbers by scope: programs of one message (checks, then updates) share a scope,
    # and those of different messages never run together, so they reuse the numbers
    _scopes: dict[str, dict[str, int]] = field(default_factory=lambda: {"": {}})
    _scope: str = ""

    def __post_init__(self) -> None:
        self._top = self.depth
        # word 0 holds 0: a µop whose dest is 0 writes nothing
        self.zero = self.reg("zero", 1)
        self.regs["#0/1"] = self.zero

    # ---- the register file -------------------------------------------------------------

    def reg(self, name: str, words: int, *, signed: bool = False) -> Reg:
        """Allocate ``words`` words of state named ``name`` (before any scratch word).

        Raises
        ------
        ValueError
            If the name is taken, scratch words were allocated already or the file is full.
        """
        if name in self.regs:
            raise ValueError(f"Register {name!r} must be allocated once")
        if self._scratch_base is not None:
            raise ValueError(f"State {name!r} must be allocated before every scratch word")
        if self._next + words > self._top:
            raise ValueError(f"Register file must hold {name!r}: {self.depth} words are used")
        reg = Reg(name, self._next, words, signed)
        self.regs[name] = reg
        self._next += words
        self._high = max(self._high, self._next)
        return reg

    def scratch(self, name: str, words: int, *, signed: bool = False) -> Reg:
        """Allocate ``words`` scratch words named ``name`` in the current scope: they overlap
        the scratch words of other scopes, whose programs never run with this one's.

        Raises
        ------
        ValueError
            If the name is taken or the file is full.
        """
        if name in self.regs:
            raise ValueError(f"Register {name!r} must be allocated once")
        if self._scratch_base is None:
            self._scratch_base = self._next
        address = self._scratch_next.get(self._scope, self._scratch_base)
        if address + words > self._top:
            raise ValueError(f"Register file must hold {name!r}: {self.depth} words are used")
        reg = Reg(name, address, words, signed)
        self.regs[name] = reg
        self._scratch_next[self._scope] = address + words
        self._high = max(self._high, address + words)
        return reg

    def const(self, value: int, words: int, *, name: str | None = None) -> Reg:
        """A constant: allocated from the top of the file, with ``value`` (two's complement if
        negative) as its initial contents. Constants of the same value and width are shared.

        Raises
        ------
        ValueError
            If the file is full.
        """
        key = f"#{value & ((1 << (WORD_BITS * words)) - 1):x}/{words}"
        if key in self.regs:
            return self.regs[key]
        if self._top - words < self._high:
            raise ValueError(f"Register file must hold {key!r}: {self.depth} words are used")
        self._top -= words
        reg = Reg(name or key, self._top, words)
        self.regs[key] = reg
        if name is not None:
            self.regs[name] = reg
        for index in range(words):
            self.init[reg.address + index] = (value >> (WORD_BITS * index)) & WORD_MASK
        return reg

    @property
    def words_used(self) -> int:
        """Words of the file taken: state, the largest scope's scratch, constants."""
        return self._high + self.depth - self._top

    def scope(self, name: str) -> None:
        """Allocate the flags and scratch words of the programs that follow in scope ``name``
        (a message's checks and updates, which share them), from the start if it is new."""
        self._scopes.setdefault(name, {})
        self._scope = name

    def flag(self, name: str) -> int:
        """The number of flag ``name`` in the current scope, allocated on first use.

        Raises
        ------
        ValueError
            If all flags of the scope are taken.
        """
        flags = self._scopes[self._scope]
        if name not in flags:
            if len(flags) == N_FLAGS:
                raise ValueError(f"Flag {name!r} must fit: all {N_FLAGS} flags are taken")
            flags[name] = len(flags)
        return flags[name]

    @property
    def flags(self) -> dict[str, int]:
        """Flag name -> number, of the current scope."""
        return dict(self._scopes[self._scope])

    @property
    def flags_used(self) -> int:
        """Flags of the scope that uses most: the engine's flag register needs no more."""
        return max(len(flags) for flags in self._scopes.values())

    def flags_of(self, scope: str) -> dict[str, int]:
        """Flag name -> number, of scope ``scope``."""
        return dict(self._scopes[scope])

    # ---- programs ----------------------------------------------------------------------

    def entry(self, name: str) -> None:
        """Start program ``name`` at the next µop."""
        if name in self.entries:
            raise ValueError(f"Program {name!r} must be defined once")
        self.entries[name] = len(self.program)

    def end(self) -> None:
        """End the current program with its last µop."""
        if not self.program:
            raise ValueError("A program must have a µop before it ends")
        self.program[-1] = dataclasses.replace(self.program[-1], last=True)

    def _operand(self, reg: Reg, index: int) -> tuple[int, bool]:
        address, sign = reg.word(index)
        return (self.zero.address, False) if address < 0 else (address, sign)

    def _when(self, when: str | None) -> tuple[int, int]:
        if when is None:
            return WHEN_ALWAYS, 0
        if when.startswith("!"):
            return WHEN_CLEAR, self.flag(when[1:])
        return WHEN_SET, self.flag(when)

    def wide(
        self,
        op: Op,
        a: Reg,
        b: Reg,
        *,
        dest: Reg | None = None,
        words: int | None = None,
        cond: Cond = Cond.NEVER,
        flag: str | None = None,
        when: str | None = None,
    ) -> None:
        """``op`` over ``words`` words (default: the wider operand, or ``dest``), low word
        first, chained; the result goes to ``dest`` and the flag is set from the last word.

        ``when`` names a flag the operation depends on (``"!name"``: on its being clear).
        """
        if words is None:
            words = dest.words if dest is not None else max(a.words, b.words)
        if (flag is None) != (cond == Cond.NEVER):
            raise ValueError("A flag and its condition must be given together")
        when_mode, when_flag = self._when(when)
        for index in range(words):
            a_address, a_sign = self._operand(a, index)
            b_address, b_sign = self._operand(b, index)
            top = index == words - 1
            self.program.append(
                MicroOp(
                    op=op,
                    a=a_address,
                    a_sign=a_sign,
                    b=b_address,
                    b_sign=b_sign,
                    dest=dest.address + index if dest is not None and index < dest.words else 0,
                    chain=index > 0,
                    cond=cond if top else Cond.NEVER,
                    flag=self.flag(flag) if top and flag is not None else 0,
                    when_mode=when_mode,
                    when=when_flag,
                )
            )

    def halve(self, dest: Reg, source: Reg, *, when: str | None = None) -> None:
        """``dest = source >> 1`` (arithmetic if ``source`` is signed)."""
        when_mode, when_flag = self._when(when)
        for index in range(dest.words):
            a_address, a_sign = self._operand(source, index)
            b_address, b_sign = self._operand(source, index + 1)
            self.program.append(
                MicroOp(
                    op=Op.SHIFT,
                    a=a_address,
                    a_sign=a_sign,
                    b=b_address,
                    b_sign=b_sign,
                    dest=dest.address + index,
                    when_mode=when_mode,
                    when=when_flag,
                )
            )

    def multiply(self, dest: Reg, a: Reg, b: Reg, *, scratch: Reg, when: str | None = None) -> None:
        """``dest = a x b`` (unsigned, truncated to ``dest``), word products summed into place;
        ``scratch`` (2 words) holds each product."""
        if scratch.words != 2:
            raise ValueError(f"A product's scratch must be 2 words, not {scratch.words}")
        self.move(dest, self.zero, when=when)
        for i in range(a.words):
            for j in range(b.words):
                offset = i + j
                if offset >= dest.words:
                    continue
                a_word, b_word = a.part(i, 1), b.part(j, 1)
                self.wide(Op.MUL_LO, a_word, b_word, dest=scratch.part(0, 1), when=when)
                self.wide(Op.MUL_HI, a_word, b_word, dest=scratch.part(1, 1), when=when)
                part = dest.part(offset)
                self.wide(Op.ADD, part, scratch, dest=part, when=when)

    def extract(self, dest: Reg, source: Reg, offset: int, width: int) -> None:
        """``dest`` = the ``width`` bits of ``source`` from bit ``offset``, zero-extended, or
        sign-extended if ``dest`` is signed (a payload's field into its register).

        Raises
        ------
        ValueError
            If the field does not fit ``dest``, or starts mid-byte and does not end in it.
        """
        if not 0 < width <= WORD_BITS * dest.words:
            raise ValueError(f"Field of {width} bits must fit {dest.name!r}")
        if dest.signed and width <= WORD_BITS * (dest.words - 1):
            raise ValueError(
                f"Signed field of {width} bits must fill the top word of {dest.name!r}"
            )
        skew = offset % 8
        if skew and skew + width > 8:
            raise ValueError(f"A field at bit {offset} must end within its byte")
        end = offset + width
        for index in range(dest.words):
            word = dest.part(index, 1)
            start = offset - skew + WORD_BITS * index
            if start >= end:
                self.move(word, self.zero)
                continue
            first, rest = divmod(start, WORD_BITS)
            low = source.part(first, 1) if first < source.words else self.zero
            high = source.part(first + 1, 1) if first + 1 < source.words else self.zero
            if rest == 0:
                self.move(word, low)
            else:  # rest == 8: the word starts mid-word, on a byte
                self.wide(Op.SHIFT8, low, high, dest=word)
            for _ in range(skew):
                self.wide(Op.SHIFT, word, self.zero, dest=word)
            bits = min(end - start - skew, WORD_BITS)
            if bits < WORD_BITS:
                self.wide(Op.AND, word, self.const((1 << bits) - 1, 1), dest=word)
                if dest.signed and index == dest.words - 1:
                    negative = f"{dest.name}.negative"
                    sign = self.const(1 << (bits - 1), 1)
                    self.wide(Op.AND, word, sign, cond=Cond.NONZERO, flag=negative)
                    extension = self.const(WORD_MASK & ~((1 << bits) - 1), 1)
                    self.wide(Op.ADD, word, extension, dest=word, when=negative)

    def move(self, dest: Reg, source: Reg, *, when: str | None = None) -> None:
        """``dest = source`` (widened as its type says, truncated to ``dest``)."""
        self.wide(Op.MOVE, self.zero, source, dest=dest, when=when)

    def set_if(self, flag: str, a: Reg, relation: str, b: Reg, *, when: str | None = None) -> None:
        """Set ``flag`` if ``a relation b`` (``< <= > >= == !=``), unsigned unless both are
        signed (then compared as signed over one more word, so nothing overflows).

        Raises
        ------
        ValueError
            If ``relation`` is not one of those.
        """
        if relation not in ("<", "<=", ">", ">=", "==", "!="):
            raise ValueError(f"Relation must be one of < <= > >= == !=, not {relation!r}")
        signed = a.signed and b.signed
        words = max(a.words, b.words) + (1 if signed else 0)
        swapped = relation in (">", "<=")
        first, second = (b, a) if swapped else (a, b)
        if relation in ("==", "!="):
            cond = Cond.ZERO if relation == "==" else Cond.NONZERO
        elif signed:
            # first - second < 0 <=> first < second, over a word more than either
            cond = Cond.NEGATIVE if relation in ("<", ">") else Cond.NOT_NEGATIVE
        else:
            cond = Cond.NO_CARRY if relation in ("<", ">") else Cond.CARRY
        self.wide(Op.SUB, first, second, words=words, cond=cond, flag=flag, when=when)
