"""Every benchmark in one run, side by side: `nox -s bench` (or
`python bench/run.py`). Each runs in its own process (so peak memory is its own) and saves
reports/bench/<name>.json and .txt; this writes reports/bench/summary.json and summary.txt
with every figure, its target, and the machine (core count, load).

`python bench/run.py --only overhead,scale` runs some; arguments after `--` are not used.
Figures are printed and saved, never asserted: re-run on a quiet machine for final ones.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, save

HERE = Path(__file__).resolve().parent
BENCHES = [
    "startup",
    "overhead",
    "protocol",
    "validators",
    "throughput",
    "build_cache",
    "scale",
    "scanner",
    "spec",
    "full_matrix",  # last: minutes, and it wants every other bench's caches warm
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated benches")
    options = parser.parse_args(argv)
    chosen = [name for name in options.only.split(",") if name]
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benches: {', '.join(sorted(unknown))}")
    failed = []
    for name in chosen:
        print(f"=== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / f"{name}.py")], check=False).returncode:
            failed.append(name)
    figures, lines = {}, ["wasm-matrix benchmarks (figures, not assertions)"]
    for name in chosen:
        json_path, text_path = OUT / f"{name}.json", OUT / f"{name}.txt"
        if name in failed or not json_path.exists():
            lines.append(f"{name}: FAILED (see its output above)")
            continue
        figures[name] = json.loads(json_path.read_text("utf-8"))
        if text_path.exists():
            lines += ["", text_path.read_text("utf-8").rstrip()]
    save("summary", {"benches": figures, "failed": failed}, "\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
