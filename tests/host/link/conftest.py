"""Fixtures for the link tests: a tiny scripted stand-in for GuardModel."""

import pytest

from hdl.protocol import PROTOCOL_VERSION, AckResult, MessageType, Reason, TickReason
from host.link.codec import Message

#: Orders with this client id never get a verdict.
SILENT_ID = 666
#: Orders with this client id get no verdict until :meth:`FakeGuard.release_held` is called.
SILENT_THEN_ACCEPT_ID = 777


class FakeGuard:
    """Accepts orders priced <= 100 and rejects the rest with PRICE_COLLAR."""

    SILENT_ID = SILENT_ID
    SILENT_THEN_ACCEPT_ID = SILENT_THEN_ACCEPT_ID

    def __init__(self, *, version: int = PROTOCOL_VERSION) -> None:
        self.version = version
        self.received: list[tuple[int, Message]] = []
        self.bad_frames: list[int] = []
        self.alerts_due: list[tuple[int, Message]] = []
        self.held: list[Message] = []
        self.button_presses: list[int] = []

    def receive(self, message: Message, cycle: int) -> list[Message]:
        self.received.append((cycle, message))
        match message.type:
            case MessageType.HELLO:
                fields = {
                    "version": self.version,
                    "n_instruments": 4,
                    "n_order_slots": 8,
                    "time_unit_cycles": 12,
                    "clock_hz": 12_000_000,
                }
                return [Message(MessageType.HELLO_REPLY, fields)]
            case MessageType.SET_LIMIT:
                result = AckResult.BAD_ARGUMENT if message["value"] == 0 else AckResult.OK
                return [self._ack(message.type, message["limit_id"], result)]
            case MessageType.ARM | MessageType.KILL:
                return [self._ack(message.type, 0, AckResult.OK)]
            case MessageType.CANCEL | MessageType.FILL:
                result = AckResult.OK if message["client_id"] < 1000 else AckResult.UNKNOWN_ORDER
                return [self._ack(message.type, message["client_id"], result)]
            case MessageType.TICK:
                reason = TickReason.CROSSED_BOOK if message["bid"] >= message["ask"] else 0
                fields = {
                    "instrument": message["instrument"],
                    "timestamp": message["timestamp"],
                    "reason": reason,
                }
                return [Message(MessageType.TICK_VERDICT, fields)]
            case MessageType.ORDER:
                reason = Reason.ACCEPT if message["price"] <= 100 else Reason.PRICE_COLLAR
                verdict = Message(
                    MessageType.ORDER_VERDICT,
                    {"client_id": message["client_id"], "reason": reason},
                )
                if message["client_id"] == SILENT_ID:
                    return []
                if message["client_id"] == SILENT_THEN_ACCEPT_ID:
                    self.held.append(verdict)
                    return []
                return [verdict]
        return []

    @staticmethod
    def _ack(command: MessageType, argument: int, result: AckResult) -> Message:
        return Message(
            MessageType.ACK, {"command": command, "argument": argument, "result": result}
        )

    def release_held(self) -> None:
        """Deliver the held verdicts on the next poll (a verdict that arrives late)."""
        self.alerts_due += [(0, message) for message in self.held]
        self.held.clear()

    def bad_frame(self, cycle: int) -> None:
        self.bad_frames.append(cycle)

    def poll(self, cycle: int) -> list[tuple[int, Message]]:
        due = [(c, m) for c, m in self.alerts_due if c <= cycle]
        self.alerts_due = [(c, m) for c, m in self.alerts_due if c > cycle]
        return due

    def press_kill_button(self, cycle: int) -> list[tuple[int, Message]]:
        self.button_presses.append(cycle)
        return [(cycle + 1, Message(MessageType.ALERT, {"state": 3, "cause": 5}))]


@pytest.fixture
def fake_guard() -> FakeGuard:
    """A fresh scripted guard."""
    return FakeGuard()
