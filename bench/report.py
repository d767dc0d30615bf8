"""The one performance report: every ``bench/results/*.json`` into ``docs/performance.md``.

``scripts/bench`` runs every benchmark, each writing its figures with
``bench/_results.py``, then this script. It writes one table of every figure (value,
peer, ratio, goal, met), grouped by section, the machine and the versions, and
``docs/img/performance.png``: a chart of the figures marked ``chart=True``. A benchmark
whose results file is missing is listed as "not measured in this run".

Run: ``.venv/bin/python bench/report.py`` (``--check`` only prints the table).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGE = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
README_START, README_END = "<!-- figures:start", "<!-- figures:end -->"
CHART = ROOT / "docs" / "img" / "performance.png"

# Each benchmark script and the results file it writes (its stem without ``bench_``).
SCRIPTS = {
    "tokens": "bench/bench_tokens.py",
    "memory": "bench/bench_memory.py",
    "password": "bench/bench_password.py",
    "store": "bench/bench_store.py",
    "guard": "bench/bench_guard.py",
    "oidc": "bench/bench_oidc.py",
    "redis_wait": "bench/bench_redis_wait.py",
    "http": "bench/http/run.py",
    "axum": "bench/axum/run.py",
    "soak": "bench/soak.py",
}
PACKAGES = ("netrun-auth", "pydantic", "PyJWT", "cryptography", "fastapi", "starlette",
            "uvicorn", "redis", "argon2-cffi", "bcrypt", "httpx", "matplotlib")  # fmt: skip
TOOLS = {
    "Rust": ["rustc", "--version"],
    "redis-server": ["redis-server", "--version"],
    "wrk": ["wrk", "--version"],
    "OpenSSL": ["openssl", "version"],
}
DETAIL_PAGES = {
    "performance-http.md": "HTTP",
    "performance-redis.md": "Redis",
    "performance-passwords.md": "passwords and RBAC",
}


def load_results() -> list[dict[str, Any]]:
    """Every results document, in a stable order (known benchmarks first)."""
    order = list(SCRIPTS)
    documents = []
    for path in sorted(RESULTS.glob("*.json")):
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            print(f"report: skipping {path.name}: {exc}")
            continue
        if isinstance(document, dict) and isinstance(document.get("figures"), list):
            document.setdefault("bench", path.stem)
            documents.append(document)
    return sorted(documents, key=lambda d: (order.index(d["bench"]) if d["bench"] in order
                                             else len(order), d["bench"]))  # fmt: skip


def versions() -> dict[str, str]:
    """Versions of Python, the packages and the tools the benchmarks use (on this machine)."""
    found = {"Python": f"{platform.python_implementation()} {platform.python_version()}"}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    for name, command in TOOLS.items():
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        text = (out.stdout or out.stderr).strip().splitlines()
        if text:
            match = re.search(r"v?=?(\d+\.\d+(?:\.\d+)?)", text[0])
            found[name] = match.group(1) if match else text[0]
    return found


def number(value: float | None) -> str:
    """A figure for a table: three significant digits, thousands separated."""
    if value is None:
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", "\u202f")
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def met_mark(met: bool | None) -> str:
    return "" if met is None else ("✔" if met else "✘")


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(documents: list[dict[str, Any]]) -> list[str]:
    """One table of every figure, grouped by section (in the order they first appear)."""
    sections: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for document in documents:
        for figure in document["figures"]:
            sections.setdefault(figure.get("section", document["bench"]), []).append(
                (document["bench"], figure)
            )
    lines = [
        "| section | figure | value | unit | peer | peer value | ratio | goal | met |",
        "|---|---|---:|---|---|---:|---:|---|:-:|",
    ]
    for section, figures in sections.items():
        for i, (_bench, f) in enumerate(figures):
            name = f["name"] + (f" ({f['note']})" if f.get("note") else "")
            ratio = f"{f['ratio']:.2f}x" if f.get("ratio") is not None else ""
            lines.append(
                "| " + " | ".join(cell(c) for c in (
                    f"**{section}**" if i == 0 else "", name, number(f.get("value")),
                    f.get("unit", ""), f.get("peer") or "", number(f.get("peer_value")),
                    ratio, f.get("goal") or "", met_mark(f.get("met")),
                )) + " |"
            )  # fmt: skip
    return lines


def goals_summary(documents: list[dict[str, Any]]) -> str:
    with_goal = [f for d in documents for f in d["figures"] if f.get("met") is not None]
    met = sum(1 for f in with_goal if f["met"])
    return f"{met} of {len(with_goal)} goals met in this run."


def runs(documents: list[dict[str, Any]]) -> list[str]:
    """Which benchmark ran when, on what, how loaded the machine was."""
    lines = [
        "| benchmark | script | run at (UTC) | machine | load average |",
        "|---|---|---|---|---:|",
    ]
    for document in documents:
        loads = [
            float(f["extra"]["load_average"])
            for f in document["figures"]
            if isinstance(f.get("extra"), dict) and "load_average" in f["extra"]
        ]
        load = f"{max(loads):.1f}" if loads else ""
        script = SCRIPTS.get(document["bench"], "")
        lines.append(
            f"| {cell(document['bench'])} | {f'`{script}`' if script else ''} | "
            f"{cell(document.get('when', ''))} | {cell(document.get('machine', ''))} | {load} |"
        )
    return lines


def chart(documents: list[dict[str, Any]], path: Path) -> bool:
    """Bars of ours against the peer for every ``chart=True`` figure, one panel per unit."""
    figures = [f for d in documents for f in d["figures"] if f.get("chart") and f.get("peer_value")]
    if not figures:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    units: dict[str, list[dict[str, Any]]] = {}
    for f in figures:
        units.setdefault(f.get("unit", ""), []).append(f)
    fig, axes = plt.subplots(
        len(units), 1, figsize=(9, 1.2 + 0.9 * len(figures) + 0.6 * len(units)), squeeze=False
    )
    for ax, (unit, group) in zip(axes[:, 0], units.items(), strict=True):
        labels = [f"{f['name']}\nvs {f['peer']}" for f in group]
        y = range(len(group))
        ours = [f["value"] for f in group]
        peers = [f["peer_value"] for f in group]
        ax.barh([i + 0.2 for i in y], ours, height=0.4, label="netrun-auth", color="#3f51b5")
        ax.barh([i - 0.2 for i in y], peers, height=0.4, label="peer", color="#bdbdbd")
        for i, f in zip(y, group, strict=True):
            tip = max(f["value"], f["peer_value"])
            cost = (f.get("extra") or {}).get("cost")
            label = (f"costs {float(cost):.2f}x" if cost is not None
                     else f"{f['ratio']:.2f}x better" if f.get("ratio") else "")  # fmt: skip
            ax.text(tip * 1.01, i, label, va="center", fontsize=8)
        ax.set_yticks(list(y), labels, fontsize=8)
        ax.invert_yaxis()
        better = "lower is better" if "/op" in unit or unit in ("ms", "µs", "bytes") else ""
        ax.set_xlabel(f"{unit} ({better})" if better else unit, fontsize=8)
        ax.set_xlim(0, max(max(ours), max(peers)) * 1.25)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("netrun-auth against its peers, measured in the same run", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def page(documents: list[dict[str, Any]], charted: bool) -> str:
    present = {d["bench"] for d in documents}
    missing = [name for name in SCRIPTS if name not in present]
    out = [
        "# Performance",
        "",
        "<!-- Generated by bench/report.py from bench/results/*.json: do not edit by hand. -->",
        "",
        "Every figure of the last `scripts/bench` (release build), each compared with its peer",
        "measured in the same run. *ratio* is how many times better netrun-auth is than the",
        "peer (above 1: faster, more requests per second, less memory); *goal* is the target",
        "of the issue the figure answers. The machine is a shared virtual machine: single",
        "figures move between runs, ratios of one run are what count (see the load averages).",
        "",
        f"{goals_summary(documents)}",
        "",
    ]
    if charted:
        out += ["![netrun-auth against its peers](img/performance.png)", ""]
    out += ["## Figures", "", *table(documents), ""]
    if missing:
        out += ["Not measured in this run: " + ", ".join(
            f"`{SCRIPTS[name]}` ({name})" for name in missing) + ".", ""]  # fmt: skip
    out += ["## Runs", "", *runs(documents), ""]
    out += ["## Versions", "", "| | version |", "|---|---|"]
    out += [f"| {name} | {version} |" for name, version in versions().items()]
    out += [""]
    details = [(p, t) for p, t in DETAIL_PAGES.items() if (PAGE.parent / p).exists()]
    if details:
        out += ["## Notes from earlier runs", "",
                "Measurement details and the reasoning behind some figures: "
                + ", ".join(f"[{t}]({p})" for p, t in details) + ".", ""]  # fmt: skip
    return "\n".join(out)


def readme_figures(documents: list[dict[str, Any]]) -> list[str]:
    """The README's figures: every ``chart=True`` figure, as measured in this run."""
    figures = [f for d in documents for f in d["figures"] if f.get("chart")]
    if not figures:
        return ["Not measured yet: run `scripts/bench`."]
    machine = next((d.get("machine") for d in documents if d.get("machine")), "")
    lines = [f"From the last `scripts/bench` on {machine} (a shared VM; [all figures, peers, "
             "goals and versions](docs/performance.md)):", ""]  # fmt: skip
    section = None
    for f in figures:
        if f["section"] != section:
            section = f["section"]
            lines.append(f"- {section}:")
        cost = f.get("extra", {}).get("cost")
        if cost is not None:
            ratio = f", **{float(cost):.2f}x** the cost of {f['peer']}"
        elif f.get("ratio") is not None:
            ratio = f", **{f['ratio']:.2f}x** {f['peer']}"
        else:
            ratio = ""
        peer = f" ({number(f['peer_value'])})" if f.get("peer_value") is not None else ""
        goal = f"; goal {f['goal']} {met_mark(f.get('met'))}" if f.get("goal") else ""
        lines.append(f"  - {f['name']}: {number(f['value'])} {f['unit']}{ratio}{peer}{goal}")
    return [*lines, "", "![netrun-auth against its peers](docs/img/performance.png)"]


def write_readme(documents: list[dict[str, Any]]) -> None:
    """Replace the README's block between the figures markers (kept as they are)."""
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        print("report: README.md has no figures markers; left as it is")
        return
    head_end = text.index("\n", start) + 1
    README.write_text(text[:head_end] + "\n".join(readme_figures(documents)) + "\n" + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the table, write nothing")
    args = parser.parse_args()
    documents = load_results()
    if args.check:
        print("\n".join(table(documents)))
        return
    charted = chart(documents, CHART)
    PAGE.write_text(page(documents, charted))
    write_readme(documents)
    print(f"report: {len(documents)} result files -> {PAGE}" + (f", {CHART}" if charted else ""))


if __name__ == "__main__":
    main()
