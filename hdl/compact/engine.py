"""CheckEngine: a microcoded 16-bit engine over a register file in block RAM.

It runs one program of :mod:`hdl.compact.microcode` at a time, two cycles per µop: on the
first the µop's two register-file words are read, on the second the adder (or the
multiplier) computes, writes back and sets flags, while the next µop is fetched. Its cost
does not grow with the number of checks: those are ROM words and register-file words, both in
block RAM, and what remains in logic is one 16-bit adder, one multiplier, the flags and the
decode.

The register file has two copies written together, one per read port. Outside a program the
owner writes it through ``i_write_*`` (the engine's own write wins while it runs) and reads
it back through ``i_peek_addr`` / ``o_peek_data`` (the word of the previous cycle's address).
"""

from typing import Any

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out
from amaranth.utils import ceil_log2

from hdl.block_ram import read_register
from hdl.compact.microcode import (
    MICRO_OP_BITS,
    WHEN_CLEAR,
    WHEN_SET,
    WORD_BITS,
    Assembler,
    Cond,
    Op,
    field_slices,
)

__all__ = ["CheckEngine"]

_BLOCK_RAM_ATTRS = {"ram_style": "block", "no_rw_check": 1}


class CheckEngine(wiring.Component):
    """Runs the programs of ``assembler`` over its register file.

    Parameters
    ----------
    assembler : Assembler
        The programs (ROM contents) and the register file's initial contents (constants).

    Attributes
    ----------
    i_start : Signal(1), in
        Start the program at ``i_entry``; restarts a running one. The flags are cleared,
        unless ``i_keep_flags``: a program that continues another (an accept's updates,
        after its checks) reads the flags that one set.
    i_keep_flags : Signal(1), in
        Keep the flags when starting.
    i_entry : Signal, in
        The program's first µop.
    o_busy : Signal(1), out
        A program runs.
    o_flags : Signal, out
        The flags the last program set (final once ``o_busy`` falls), as many as the scope
        that uses most (at most N_FLAGS): each is a register and its set logic.
    i_write_addr, i_write_data, i_write_en : in
        A register-file write by the owner (ignored on a cycle the engine writes).
    i_peek_addr : in
        Register-file word to read back while idle; ``o_peek_data`` has it a cycle later.
    o_write_en, o_write_addr, o_write_data : out
        The program's register-file write of this cycle (for an owner that keeps a copy of
        some words as they are written).
    """

    def __init__(self, assembler: Assembler) -> None:
        if not assembler.program:
            raise ValueError("The engine must have a program")
        self.assembler = assembler
        self._rom_depth = max(2, len(assembler.program))
        address = ceil_log2(assembler.depth)
        super().__init__(
            {
                "i_start": In(1),
                "i_keep_flags": In(1),
                "i_entry": In(ceil_log2(self._rom_depth)),
                "o_busy": Out(1),
                "o_flags": Out(max(1, assembler.flags_used)),
                "i_write_addr": In(address),
                "i_write_data": In(WORD_BITS),
                "i_write_en": In(1),
                "i_peek_addr": In(address),
                "o_peek_data": Out(WORD_BITS),
                "o_write_en": Out(1),
                "o_write_addr": Out(address),
                "o_write_data": Out(WORD_BITS),
            }
        )

    def elaborate(self, platform: Any) -> Module:
        m = Module()
        asm = self.assembler

        # ---- the program ROM: the next µop is fetched while this one executes ----------
        rom = Memory(
            shape=MICRO_OP_BITS,
            depth=self._rom_depth,
            init=[micro_op.pack() for micro_op in asm.program],
            attrs=_BLOCK_RAM_ATTRS,
        )
        m.submodules.rom = rom
        rom_read = rom.read_port(domain="comb")
        uop_bits = read_register(MICRO_OP_BITS, name="uop")
        m.d.sync += uop_bits.eq(rom_read.data)
        fields = {name: uop_bits[o : o + w] for name, (o, w) in field_slices().items()}

        pc = Signal.like(rom_read.addr)
        executing = Signal()  # second cycle of a µop (else: its words are being read)
        busy = self.o_busy
        m.d.comb += rom_read.addr.eq(Mux(busy & executing, pc + 1, pc))

        # ---- the register file: two copies, one per operand -----------------------------
        init = [asm.init.get(address, 0) for address in range(asm.depth)]
        words = []
        write_addr = Signal.like(self.i_write_addr)
        write_data = Signal(WORD_BITS)
        write_en = Signal()
        for name, address in (("a", fields["a"]), ("b", fields["b"])):
            copy = Memory(shape=WORD_BITS, depth=asm.depth, init=init, attrs=_BLOCK_RAM_ATTRS)
            m.submodules[f"file_{name}"] = copy
            write = copy.write_port()
            read = copy.read_port(domain="comb")
            data = read_register(WORD_BITS, name=f"word_{name}")
            m.d.sync += data.eq(read.data)
            m.d.comb += [
                write.addr.eq(write_addr),
                write.data.eq(write_data),
                write.en.eq(write_en),
            ]
            if name == "a":
                m.d.comb += read.addr.eq(Mux(busy, address, self.i_peek_addr))
            else:
                m.d.comb += read.addr.eq(address)
            words.append(data)
        word_a, word_b = words
        m.d.comb += self.o_peek_data.eq(word_a)

        # ---- the arithmetic ------------------------------------------------------------
        def signed_word(word: Signal, sign: Any) -> Any:
            return Mux(sign, Mux(word[-1], (1 << WORD_BITS) - 1, 0), word)

        a = Signal(WORD_BITS)
        b = Signal(WORD_BITS)
        m.d.comb += [
            a.eq(signed_word(word_a, fields["a_sign"])),
            b.eq(signed_word(word_b, fields["b_sign"])),
        ]
        carry = Signal()
        zero = Signal()
        op = fields["op"]
        subtract = op == Op.SUB
        carry_in = Mux(fields["chain"], carry, subtract)
        total = Signal(WORD_BITS + 1)
        m.d.comb += total.eq(a + Mux(subtract, ~b, b) + carry_in)
        product = Signal(2 * WORD_BITS)
        m.d.comb += product.eq(a * b)
        result = Signal(WORD_BITS)
        with m.Switch(op):
            with m.Case(Op.ADD, Op.SUB):
                m.d.comb += result.eq(total[:WORD_BITS])
            with m.Case(Op.AND):
                m.d.comb += result.eq(a & b)
            with m.Case(Op.MUL_LO):
                m.d.comb += result.eq(product[:WORD_BITS])
            with m.Case(Op.MUL_HI):
                m.d.comb += result.eq(product[WORD_BITS:])
            with m.Case(Op.SHIFT):
                m.d.comb += result.eq(Cat(a[1:], b[0]))
            with m.Case(Op.SHIFT8):
                m.d.comb += result.eq(Cat(a[8:], b[:8]))
            with m.Default():
                m.d.comb += result.eq(b)
        carry_out = total[WORD_BITS]
        zero_out = (result == 0) & Mux(fields["chain"], zero, 1)
        negative = result[-1]
        holds = Signal()
        with m.Switch(fields["cond"]):
            for cond, value in (
                (Cond.CARRY, carry_out),
                (Cond.NO_CARRY, ~carry_out),
                (Cond.ZERO, zero_out),
                (Cond.NONZERO, ~zero_out),
                (Cond.NEGATIVE, negative),
                (Cond.NOT_NEGATIVE, ~negative),
                (Cond.ALWAYS, 1),
            ):
                with m.Case(cond):
                    m.d.comb += holds.eq(value)
        flags = self.o_flags
        when_flag = flags.bit_select(fields["when"], 1)
        enabled = Signal()
        m.d.comb += enabled.eq(
            Mux(
                fields["when_mode"] == WHEN_SET,
                when_flag,
                Mux(fields["when_mode"] == WHEN_CLEAR, ~when_flag, 1),
            )
        )

        # ---- sequencing ---------------------------------------------------------------
        execute = busy & executing
        m.d.comb += [
            self.o_write_en.eq(execute & (fields["dest"] != 0) & enabled),
            self.o_write_addr.eq(fields["dest"]),
            self.o_write_data.eq(result),
            write_addr.eq(Mux(execute, fields["dest"], self.i_write_addr)),
            write_data.eq(Mux(execute, result, self.i_write_data)),
            write_en.eq(Mux(execute, self.o_write_en, self.i_write_en)),
        ]
        with m.If(self.i_start):
            # the first µop is fetched now and its words read on the next cycle
            m.d.sync += [busy.eq(1), executing.eq(0), pc.eq(self.i_entry)]
            with m.If(~self.i_keep_flags):
                m.d.sync += flags.eq(0)
            m.d.comb += rom_read.addr.eq(self.i_entry)
        with m.Elif(busy & ~executing):
            m.d.sync += executing.eq(1)
        with m.Elif(execute):
            m.d.sync += [carry.eq(carry_out), zero.eq(zero_out), executing.eq(0), pc.eq(pc + 1)]
            with m.If(enabled & holds):
                m.d.sync += flags.eq(flags | (1 << fields["flag"]))
            with m.If(fields["last"]):
                m.d.sync += busy.eq(0)
        return m
