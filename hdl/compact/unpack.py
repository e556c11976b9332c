"""The unpack programs of the compact check engine: a message's fields from its payload.

The core writes the payload into ``file.payload`` as the frame decoder holds it, 16 bits a
word (a plain copy, no field logic), and runs ``unpack_<type>`` before the message's check
program: it moves each field of :data:`hdl.protocol.PAYLOAD_LAYOUTS` into its register of
``file.messages``, zero- or sign-extended as its shape says. Fields that start mid-word are
realigned a byte at a time (``SHIFT8``), the one-bit flags of an ORDER a bit at a time. A
message type without fields (KILL, HEARTBEAT, CANCEL_ALL) has no unpack program.

This module is a part of the compact core for small FPGAs (see :mod:`hdl.compact`).
"""

from amaranth.lib import data

from hdl.compact.register_file import GuardFile
from hdl.protocol import PAYLOAD_LAYOUTS, MessageType

__all__ = ["add_unpack_programs", "unpack_entry"]


def add_unpack_programs(file: GuardFile) -> None:
    """Write ``unpack_<type>`` for every host message type with fields."""
    asm = file.assembler
    asm.scope("unpack")
    for message_type, fields in file.messages.items():
        if not fields:
            continue
        layout = data.Layout.cast(PAYLOAD_LAYOUTS[message_type])
        asm.entry(_name(message_type))
        for name, reg in fields.items():
            field = layout[name]
            asm.extract(reg, file.payload, field.offset, field.width)
        asm.end()


def unpack_entry(file: GuardFile, message_type: MessageType) -> int | None:
    """The first µop of ``message_type``'s unpack program; None if it has no fields."""
    return file.assembler.entries.get(_name(message_type))


def _name(message_type: MessageType) -> str:
    return f"unpack_{message_type.name.lower()}"
