"""A content hash of the gateware sources, to tell whether a committed bitstream is stale."""

import hashlib
from pathlib import Path

__all__ = ["GATEWARE_GLOB", "gateware_sources", "source_sha256", "repository_root"]

#: Every file the bitstreams are built from, relative to the repository root.
GATEWARE_GLOB = "hdl/**/*.py"


def repository_root() -> Path:
    """The checkout this module lives in (the folder holding ``hdl/`` and ``bitstreams/``)."""
    return Path(__file__).resolve().parents[2]


def gateware_sources(root: Path) -> list[Path]:
    """The gateware source files under ``root``, sorted by their path relative to it.

    Raises
    ------
    ValueError
        If ``root`` holds no gateware source (a wrong folder would otherwise hash to a
        constant and look up to date).
    """
    files = sorted(
        (path for path in root.glob(GATEWARE_GLOB) if "__pycache__" not in path.parts),
        key=lambda path: path.relative_to(root).as_posix(),
    )
    if not files:
        raise ValueError(f"root must hold gateware sources ({GATEWARE_GLOB}), not {root!r}")
    return files


def source_sha256(root: Path | None = None) -> str:
    """SHA-256 over the sorted gateware sources: each file's relative path and content.

    Renaming, adding, removing or editing any file under ``hdl/`` changes the hash; the file
    system's order and timestamps do not.

    Parameters
    ----------
    root : Path, optional
        Repository root; defaults to :func:`repository_root`.
    """
    root = repository_root() if root is None else root
    digest = hashlib.sha256()
    for path in gateware_sources(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
