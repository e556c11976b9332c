"""The disclaimer from MISSION.md: the one place its text lives.

The README, the CLI banner and every dashboard page show this text; a test checks each of them
against it so that no copy can drift.
"""

__all__ = ["DISCLAIMER", "DISCLAIMER_MARKDOWN"]

DISCLAIMER = (
    "WARNING: This project is for education only. We build a simplified but functional HFT "
    "system to learn the key concepts. A real, competitive HFT system needs $1M-5M of capital "
    "and a team of specialised engineers. Do not use this system to trade on real markets. "
    "Trading carries a high risk of losing capital."
)

DISCLAIMER_MARKDOWN = (
    "> **WARNING:** This project is **for education only**. We build a simplified but "
    "functional HFT system to learn the key concepts. A real, competitive HFT system needs "
    "**$1M-5M of capital** and a team of **specialised engineers**. **Do not use this system "
    "to trade on real markets.** Trading carries a high risk of losing capital."
)
