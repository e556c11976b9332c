"""The gateware source hash: stable, and changed by any edit, rename, addition or removal."""

from pathlib import Path

import pytest

from host.boards.source_hash import gateware_sources, repository_root, source_sha256


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "hdl" / "boards").mkdir(parents=True)
    (tmp_path / "hdl" / "core.py").write_text("A = 1\n")
    (tmp_path / "hdl" / "boards" / "top.py").write_text("B = 2\n")
    return tmp_path


def test_hash_is_stable_across_calls(tree: Path) -> None:
    assert source_sha256(tree) == source_sha256(tree)


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "hdl" / "core.py").write_text("A = 2\n"),
        lambda root: (root / "hdl" / "boards" / "new.py").write_text(""),
        lambda root: (root / "hdl" / "core.py").unlink(),
        lambda root: (root / "hdl" / "core.py").rename(root / "hdl" / "core2.py"),
    ],
    ids=["edit", "add", "remove", "rename"],
)
def test_any_source_change_changes_the_hash(tree: Path, change) -> None:
    before = source_sha256(tree)
    change(tree)
    assert source_sha256(tree) != before


def test_files_that_are_not_gateware_sources_do_not_count(tree: Path) -> None:
    before = source_sha256(tree)
    (tree / "hdl" / "__pycache__").mkdir()
    (tree / "hdl" / "__pycache__" / "core.cpython-311.py").write_text("junk")
    (tree / "hdl" / "notes.txt").write_text("not python")
    (tree / "host").mkdir()
    (tree / "host" / "x.py").write_text("C = 3\n")
    assert source_sha256(tree) == before


def test_sources_are_sorted_by_relative_path(tree: Path) -> None:
    names = [p.relative_to(tree).as_posix() for p in gateware_sources(tree)]
    assert names == ["hdl/boards/top.py", "hdl/core.py"]


def test_a_folder_without_gateware_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^root must hold gateware sources \(hdl/\*\*/\*\.py\)"):
        source_sha256(tmp_path)


def test_the_repository_root_holds_the_gateware() -> None:
    assert (repository_root() / "hdl" / "protocol.py").is_file()
