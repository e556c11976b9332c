"""``quantum data generate`` writes the exchange's layouts, the same for the same seed."""

from pathlib import Path

from host.cli import main


def test_data_generate_when_seeded_then_files_written_and_reproducible(tmp_path: Path) -> None:
    for out in ("a", "b"):
        code = main(
            [
                "--no-banner",
                "data",
                "generate",
                "--out",
                str(tmp_path / out),
                "--seed",
                "5",
                "--events",
                "2000",
                "--symbols",
                "BTCUSDT",
            ]
        )
        assert code == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == [
        "BTCUSDT-aggTrades-synthetic.csv",
        "BTCUSDT-bookTicker-synthetic.csv",
        "BTCUSDT-liquidationSnapshot-synthetic.csv",
    ]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
