"""A small, dated snapshot of measured results, shipped inside the package
(matrix/reference/realworld-snapshot.json.gz).

`wasm-matrix check MODULE.wasm` answers from a measured run. Right after `pip install`, on
a machine that never ran the matrix, there is none: the snapshot is what it uses then, and
it says so (which run, when). It holds the feature probes' outcomes per engine build and
the real-world corpus's load cells (so `check` can name a module's closest shipped
neighbours), trimmed to what `check` reads. `nox -s snapshot` (`wasm-matrix snapshot`)
regenerates it from the newest runs under reports/.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from . import __version__
from .results import read_results, read_run

SNAPSHOT = "realworld-snapshot.json.gz"  # in the package: matrix/reference/
# What `check` and the real-world neighbours read of a record; the rest stays in the run.
KEPT = (
    "case",
    "kind",
    "features",
    "toolchain",
    "profile",
    "engine",
    "engine_family",
    "engine_version",
    "engine_disabled",
    "outcome",
    "module_uses",
    "module_counts",
    "module_size",
    "located",
)
MESSAGE_CHARS = 300


class SnapshotError(Exception):
    pass


def shipped_path() -> Path:
    return Path(str(resources.files("matrix").joinpath("reference", SNAPSHOT)))


def make(run_folders: list[Path]) -> dict:
    """A snapshot of the probes and load cells of these runs (a later run's cell wins)."""
    cells: dict[tuple, dict] = {}
    runs, engines = [], {}
    for folder in run_folders:
        run = read_run(folder)
        kept = [r for r in read_results(folder) if r.get("kind") in ("probe", "load")]
        if not kept:
            continue
        runs.append(
            {
                "name": folder.resolve().name,
                "started_at": run.get("started_at"),
                "finished_at": run.get("finished_at"),
                "revision": run.get("revision"),
                "machine": run.get("machine"),
                "cells": len(kept),
            }
        )
        for engine in run.get("engines", []):
            engines[engine["id"]] = {
                key: engine.get(key) for key in ("id", "family", "title", "version", "disabled")
            }
        for record in kept:
            trimmed = {key: record[key] for key in KEPT if key in record}
            trimmed["message"] = " ".join(record.get("message", "").split())[:MESSAGE_CHARS]
            if record.get("package"):
                trimmed["package"] = {"spec": record["package"].get("spec", "")}
            cells[(record["case"], record["toolchain"], record["profile"], record["engine"])] = (
                trimmed
            )
    if not runs:
        raise SnapshotError("none of these runs has probe or load results")
    return {
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wasm_matrix": __version__,
        "runs": runs,
        "engines": list(engines.values()),
        "records": [cells[key] for key in sorted(cells)],
    }


def write(snapshot: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # mtime 0: the same snapshot gives the same bytes (a regenerated file diffs only if
    # the measurements changed).
    path.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))
    return path


def read(path: Path | None = None) -> dict:
    path = path or shipped_path()
    try:
        return json.loads(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot at {path}") from None
    except (OSError, ValueError) as error:
        raise SnapshotError(f"cannot read the snapshot {path}: {error}") from None


def describe(snapshot: dict) -> str:
    """Which runs the snapshot holds, in words, for `check` to say what it answers from:
    `RUN[, RUN] (the snapshot shipped with wasm-matrix V, made WHEN)`."""
    runs = ", ".join(run["name"] for run in snapshot["runs"])
    return (
        f"{runs} (the snapshot shipped with wasm-matrix {snapshot.get('wasm_matrix', '?')}, "
        f"made {snapshot.get('made_at', '?')})"
    )


def as_run(snapshot: dict) -> dict:
    """The snapshot in the shape of a run.json (for code that reads engine facts)."""
    return {"engines": snapshot.get("engines", [])}


def newest_runs(reports: Path) -> list[Path]:
    """The newest run with probe results and the newest with load results under reports/,
    oldest first (so that the newer one's cells win in `make`)."""
    found: dict[str, Path] = {}
    for folder in sorted(
        (p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()), reverse=True
    ):
        if not (folder / "results.jsonl").exists():
            continue
        kinds = {r.get("kind") for r in read_results(folder)}
        for kind in ("probe", "load"):
            if kind in kinds and kind not in found:
                found[kind] = folder
        if len(found) == 2:
            break
    return sorted(set(found.values()))
