"""Refresh the pinned copy of the WebAssembly spec test suite from an upstream checkout.

    python testsuite/refresh.py PATH/TO/testsuite [--all]

Copies the `.wast` scripts the copy already holds (or, with --all, every script upstream
has), the LICENSE and the upstream README, and records the checkout's commit in
upstream.json and README.md. Reads only the given folder; writes only this one.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PIN = HERE / "upstream.json"
README = HERE / "README.md"


def scripts(root: Path) -> set[Path]:
    """Every .wast below root, relative to it (git's own folder excluded)."""
    return {
        path.relative_to(root)
        for path in root.rglob("*.wast")
        if ".git" not in path.relative_to(root).parts
    }


def upstream_commit(checkout: Path) -> tuple[str, str]:
    """The checkout's short commit and its date (YYYY-MM-DD), or "unknown" for a folder
    that is no git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "log", "-1", "--format=%h %cs"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown", "unknown"
    commit, date = done.stdout.split()
    return commit, date


def refresh(checkout: Path, take_all: bool) -> dict:
    if checkout == HERE:
        raise SystemExit("give a checkout of the upstream suite, not this copy")
    upstream = scripts(checkout)
    if not upstream or not (checkout / "LICENSE").is_file():
        raise SystemExit(f"{checkout}: no .wast scripts or no LICENSE; not the upstream suite")
    pinned = scripts(HERE)
    wanted = upstream if take_all else pinned & upstream
    for stale in pinned - wanted:
        (HERE / stale).unlink()
    for script in sorted(wanted):
        (HERE / script).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(checkout / script, HERE / script)
    for folder in sorted({p for s in pinned for p in (HERE / s).parents}, reverse=True):
        if folder != HERE and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    shutil.copyfile(checkout / "LICENSE", HERE / "LICENSE")
    if (checkout / "README.md").is_file():
        shutil.copyfile(checkout / "README.md", HERE / "UPSTREAM-README.md")
    commit, date = upstream_commit(checkout)
    pin = json.loads(PIN.read_text("utf-8"))
    pin.update(commit=commit, committed=date, selection="all" if take_all else "pinned")
    PIN.write_text(json.dumps(pin, indent=2) + "\n", "utf-8")
    README.write_text(
        re.sub(
            r"^\| commit \|.*$",
            f"| commit | `{commit}` ({date}); also in `upstream.json` |",
            README.read_text("utf-8"),
            count=1,
            flags=re.MULTILINE,
        ),
        "utf-8",
    )
    return {
        "commit": commit,
        "date": date,
        "copied": len(wanted),
        "left out": sorted(map(str, upstream - wanted)),
        "vanished upstream": sorted(map(str, pinned - upstream)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a checkout of the upstream suite")
    parser.add_argument("--all", action="store_true", help="take every upstream script")
    arguments = parser.parse_args(argv)
    report = refresh(arguments.checkout.resolve(), arguments.all)
    print(f"testsuite: {report['copied']} scripts at {report['commit']} ({report['date']})")
    for label in ("vanished upstream", "left out"):
        if report[label]:
            print(f"{label} ({len(report[label])}): {', '.join(report[label])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
