"""bench/report.py: every results file into one table, a chart and the README's figures;
a benchmark without results is said "not measured", a broken file is skipped."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def report(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "results").mkdir()
    (tmp_path / "docs").mkdir()
    monkeypatch.setattr(module, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(module, "PAGE", tmp_path / "docs" / "performance.md")
    monkeypatch.setattr(module, "CHART", tmp_path / "docs" / "img" / "performance.png")
    monkeypatch.setattr(module, "README", tmp_path / "README.md")
    monkeypatch.setattr(module, "versions", lambda: {"Python": "3.x"})
    return module


def figure(name: str, **fields):
    base = {"section": "Tokens", "name": name, "value": 10.0, "unit": "µs/op", "peer": None,
            "peer_value": None, "ratio": None, "goal": None, "met": None, "chart": False,
            "note": None, "extra": {}}  # fmt: skip
    return {**base, **fields}


def write(report, bench: str, figures: list[dict]) -> None:
    document = {"bench": bench, "when": "2026-12-01T12:00:00Z", "machine": "test machine",
                "python": "3.11", "figures": figures}  # fmt: skip
    (report.RESULTS / f"{bench}.json").write_text(json.dumps(document))


def test_one_table_chart_and_readme_from_the_results(report, monkeypatch):
    write(report, "tokens", [
        figure("RS256, distinct tokens", peer="PyJWT", peer_value=40.0, ratio=4.0,
               goal=">= 3x", met=True, chart=True, extra={"load_average": 3.5}),
        figure("against openssl", peer="openssl", peer_value=8.0, ratio=0.8,
               goal="cost <= 1.5x", met=True, chart=True, extra={"cost": 1.25}),
        figure("ES256, distinct tokens", peer="PyJWT", peer_value=20.0, ratio=2.0),
    ])  # fmt: skip
    write(report, "memory", [figure("bytes per login", value=300.0, unit="bytes",
                                    section="Memory", goal="<= 400", met=False)])  # fmt: skip
    (report.RESULTS / "broken.json").write_text("{not json")
    report.README.write_text("intro\n<!-- figures:start x -->\nold\n<!-- figures:end -->\nrest\n")
    monkeypatch.setattr("sys.argv", ["report.py"])
    report.main()

    page = report.PAGE.read_text()
    assert (
        "| **Tokens** | RS256, distinct tokens | 10.0 | µs/op | PyJWT | 40.0 | 4.00x | >= 3x | ✔ |"
        in page
    )
    assert "| **Memory** | bytes per login | 300 | bytes |" in page and "| ✘ |" in page
    assert "2 of 3 goals met in this run." in page
    assert "`bench/bench_password.py` (password)" in page  # not measured in this run
    assert "`bench/bench_tokens.py`" in page and "| 3.5 |" in page  # run and its load
    assert "broken" not in page
    assert report.CHART.read_bytes().startswith(b"\x89PNG")
    assert "![netrun-auth against its peers](img/performance.png)" in page
    readme = report.README.read_text()
    assert readme.startswith("intro\n<!-- figures:start x -->\n") and readme.endswith(
        "<!-- figures:end -->\nrest\n"
    )
    assert "old" not in readme
    assert "RS256, distinct tokens: 10.0 µs/op, **4.00x** PyJWT (40.0); goal >= 3x ✔" in readme
    assert "**1.25x** the cost of openssl" in readme


def test_no_results_at_all(report, monkeypatch):
    report.README.write_text("<!-- figures:start -->\n<!-- figures:end -->\n")
    monkeypatch.setattr("sys.argv", ["report.py"])
    report.main()
    page = report.PAGE.read_text()
    assert "0 of 0 goals met" in page and "Not measured in this run" in page
    assert not report.CHART.exists() and "img/performance.png" not in page
    assert "Not measured yet" in report.README.read_text()
