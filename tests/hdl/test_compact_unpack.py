# amaranth: UnusedElaboratable=no
"""The unpack programs: every field of every host message from the payload the decoder holds."""

import random

import pytest
from amaranth.lib import data
from compact_sim import register_file, run_programs, words_value

from hdl.compact.microcode import Assembler
from hdl.compact.programs import build_programs
from hdl.compact.unpack import unpack_entry
from hdl.protocol import PAYLOAD_LAYOUTS, MessageType
from host.link.codec import Message
from host.link.model import GuardModel


def _random_fields(message_type: MessageType, rng: random.Random) -> dict[str, int]:
    """Field values over each field's whole range, its extremes often."""
    fields = {}
    for name, field in data.Layout.cast(PAYLOAD_LAYOUTS[message_type]):
        if name.startswith("_"):
            continue
        width = field.width
        low, high = (
            (-(1 << (width - 1)), (1 << (width - 1)) - 1)
            if field.shape.signed
            else (0, (1 << width) - 1)
        )
        fields[name] = rng.choice((low, high, 0, 1, rng.randint(low, high)))
    return fields


@pytest.mark.parametrize(
    "message_type",
    [t for t in MessageType if t < 0x80 and data.Layout.cast(PAYLOAD_LAYOUTS[t]).size],
    ids=lambda t: t.name,
)
def test_the_unpack_program_gives_every_field_of_the_payload(message_type: MessageType) -> None:
    size = {"n_instruments": 1, "n_order_slots": 2}
    file = build_programs(**size)
    fields = file.messages[message_type]
    rng = random.Random(int(message_type))
    messages = [Message(message_type, _random_fields(message_type, rng)) for _ in range(40)]
    model = GuardModel(**size)
    entry = unpack_entry(file, message_type)
    assert entry is not None
    runs = run_programs(
        file.assembler,
        [(entry, register_file(file, model, message, 0)) for message in messages],
        list(fields.values()),
    )
    for message, run in zip(messages, runs, strict=True):
        for name, reg in fields.items():
            got = words_value(run.words[reg.name], signed=reg.signed)
            assert got == message[name], f"{message_type.name}.{name}: {got} != {message[name]}"


def test_a_message_without_fields_has_no_unpack_program() -> None:
    file = build_programs(n_instruments=1, n_order_slots=2)
    assert unpack_entry(file, MessageType.KILL) is None
    assert unpack_entry(file, MessageType.ORDER) is not None


@pytest.mark.parametrize(
    ("offset", "width", "signed"),
    [(3, 1, False), (8, 24, True), (16, 23, False), (5, 3, False), (0, 40, False), (8, 16, True)],
)
def test_extracting_a_field_matches_python(offset: int, width: int, signed: bool) -> None:
    asm = Assembler()
    source = asm.reg("source", 4)
    dest = asm.reg("dest", -(-width // 16), signed=signed)
    asm.entry("extract")
    asm.extract(dest, source, offset, width)
    asm.end()
    rng = random.Random(offset * 100 + width)
    values = [rng.getrandbits(64) for _ in range(30)] + [(1 << 64) - 1, 0]
    runs = run_programs(asm, [("extract", {source: v}) for v in values], [dest])
    for value, run in zip(values, runs, strict=True):
        field = value >> offset & ((1 << width) - 1)
        if signed and field >> (width - 1):
            field -= 1 << width
        assert words_value(run.words["dest"], signed=signed) == field, hex(value)


def test_a_field_that_cannot_be_extracted_is_refused() -> None:
    asm = Assembler()
    source, word, signed_pair = (
        asm.reg("source", 2),
        asm.reg("word", 1),
        asm.reg("pair", 2, signed=True),
    )
    with pytest.raises(ValueError, match="Field of 17 bits must fit 'word'"):
        asm.extract(word, source, 0, 17)
    with pytest.raises(ValueError, match="A field at bit 6 must end within its byte"):
        asm.extract(word, source, 6, 3)
    with pytest.raises(
        ValueError, match="Signed field of 16 bits must fill the top word of 'pair'"
    ):
        asm.extract(signed_pair, source, 0, 16)
