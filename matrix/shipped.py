"""A small, dated snapshot of measured results, shipped inside the package
(matrix/reference/realworld-snapshot.json.gz).

`wasm-matrix check MODULE.wasm` answers from a measured run. Right after `pip install`, on
a machine that never ran the matrix, there is none: the snapshot is what it uses then, and
it says so (which run, when). It holds the feature probes' outcomes per engine build and
the real-world corpus's load cells (so `check` can name a module's closest shipped
neighbours), trimmed to what `check` reads, as the same typed records a run holds.
`nox -s snapshot` (`wasm-matrix snapshot`) regenerates it from the newest runs under
reports/.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from . import __version__
from .records import CellResult, NotARecord
from .results import read_results, read_run

SNAPSHOT = "realworld-snapshot.json.gz"  # in the package: matrix/reference/
KINDS = ("probe", "load")  # the records kept: feature probes and the corpus's load cells
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


@dataclass
class Snapshot:
    made_at: str
    wasm_matrix: str  # the version that made it
    runs: list[dict]  # each run it holds: name, started_at, finished_at, revision, cells
    engines: list[dict]  # the engine builds measured (id, family, title, version, disabled)
    records: list[CellResult] = field(default_factory=list)

    def describe(self) -> str:
        """Which runs the snapshot holds, in words, for `check` to say what it answers
        from: `RUN[, RUN] (the snapshot shipped with wasm-matrix V, made WHEN)`."""
        runs = ", ".join(run["name"] for run in self.runs)
        return (
            f"{runs} (the snapshot shipped with wasm-matrix {self.wasm_matrix or '?'}, "
            f"made {self.made_at or '?'})"
        )

    def as_run(self) -> dict:
        """The snapshot in the shape of a run.json (for code that reads engine facts)."""
        return {"engines": self.engines}

    def to_json(self) -> dict:
        return {
            "made_at": self.made_at,
            "wasm_matrix": self.wasm_matrix,
            "runs": self.runs,
            "engines": self.engines,
            "records": [_trimmed(record) for record in self.records],
        }


def shipped_path() -> Path:
    return Path(str(resources.files("matrix").joinpath("reference", SNAPSHOT)))


def make(run_folders: list[Path]) -> Snapshot:
    """A snapshot of the probes and load cells of these runs (a later run's cell wins)."""
    cells: dict[tuple, CellResult] = {}
    runs, engines = [], {}
    for folder in run_folders:
        run = read_run(folder)
        kept = [r for r in read_results(folder) if r.kind in KINDS]
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
            cells[record.key] = CellResult.from_record(_trimmed(record))
    if not runs:
        raise SnapshotError("none of these runs has probe or load results")
    return Snapshot(
        made_at=datetime.now(UTC).isoformat(timespec="seconds"),
        wasm_matrix=__version__,
        runs=runs,
        engines=list(engines.values()),
        records=[cells[key] for key in sorted(cells)],
    )


def _trimmed(record: CellResult) -> dict:
    """What the snapshot keeps of a record: the KEPT keys that say something, the message's
    start on one line, and a package's spec."""
    full = record.to_record()
    trimmed = {key: full[key] for key in KEPT if full.get(key) not in (None, "", [], {})}
    for key in ("case", "toolchain", "profile", "engine", "outcome"):
        trimmed[key] = full[key]
    trimmed["message"] = " ".join(record.message.split())[:MESSAGE_CHARS]
    if record.package.get("spec"):
        trimmed["package"] = {"spec": record.package["spec"]}
    return trimmed


def write(snapshot: Snapshot, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(snapshot.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # mtime 0: the same snapshot gives the same bytes (a regenerated file diffs only if
    # the measurements changed).
    path.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))
    return path


def read(path: Path | None = None) -> Snapshot:
    path = path or shipped_path()
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
        return Snapshot(
            made_at=str(data.get("made_at", "")),
            wasm_matrix=str(data.get("wasm_matrix", "")),
            runs=list(data["runs"]),
            engines=list(data.get("engines", [])),
            records=[CellResult.from_record(record) for record in data["records"]],
        )
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot at {path}") from None
    except (OSError, ValueError, KeyError, TypeError, NotARecord) as error:
        raise SnapshotError(f"cannot read the snapshot {path}: {error}") from None


def newest_runs(reports: Path) -> list[Path]:
    """The newest run with probe results and the newest with load results under reports/,
    oldest first (so that the newer one's cells win in `make`)."""
    found: dict[str, Path] = {}
    if not reports.is_dir():
        return []
    for folder in sorted(
        (p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()), reverse=True
    ):
        if not (folder / "results.jsonl").exists():
            continue
        kinds = {r.kind for r in read_results(folder)}
        for kind in KINDS:
            if kind in kinds and kind not in found:
                found[kind] = folder
        if len(found) == len(KINDS):
            break
    return sorted(set(found.values()))


def regenerate(
    run_folders: list[Path], reports: Path, output: Path | None = None
) -> tuple[Snapshot, Path]:
    """`wasm-matrix snapshot`: a snapshot of these runs (default: the newest under
    reports/), written to `output` (default: the package's own copy)."""
    folders = run_folders or newest_runs(reports)
    if not folders:
        raise SnapshotError(f"no runs with results under {reports}")
    made = make(folders)
    return made, write(made, output or shipped_path())
