"""The snapshot of measured results shipped with the package, and how `check` picks the
measurements it answers from.

`wasm-matrix check MODULE.wasm` answers from the newest run under reports/ that has
feature-probe results; on a machine that has never run the matrix, from a small, dated
snapshot of real runs that ships inside the package (matrix/reference/snapshot.json.gz).
Either way it says which run it used and how old it is. The snapshot holds the feature
probes' outcomes per engine build and the real-world corpus's load cells (so `check` can
name a module's closest shipped neighbours, and the real-world page can blame refusals
without probes of its own), trimmed to what they read, as the same typed records a run
holds. `wasm-matrix snapshot [RUN…]` (`nox -s snapshot`) writes it.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .outcomes import Outcome
from .records import CellResult, NotARecord
from .results import read_results, read_run, run_folders

SNAPSHOT = Path(__file__).with_name("reference") / "snapshot.json.gz"
KINDS = ("probe", "load")  # the records kept: feature probes and the corpus's load cells
# What `check`, the neighbours and the blame read of a record; the rest stays in the run.
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
ENGINE_FACTS = ("id", "family", "title", "version", "disabled")


class SnapshotError(Exception):
    pass


@dataclass
class Snapshot:
    made_at: str
    wasm_matrix: str  # the version that made it
    runs: list[dict]  # each run it holds: name, started_at, finished_at, revision, kinds, cells
    engines: list[dict]  # the engine builds measured (id, family, title, version, disabled)
    records: list[CellResult] = field(default_factory=list)

    def describe(self) -> str:
        """Which runs the snapshot holds, in words: `RUN[, RUN] (the snapshot shipped with
        wasm-matrix V, made WHEN)`."""
        runs = ", ".join(run["name"] for run in self.runs)
        return (
            f"{runs} (the snapshot shipped with wasm-matrix {self.wasm_matrix or '?'}, "
            f"made {self.made_at or '?'})"
        )

    def probe_run(self) -> dict:
        """The newest run whose probes it holds (the one `check` says it answers from)."""
        with_probes = [run for run in self.runs if "probe" in run.get("kinds", KINDS)]
        return (with_probes or self.runs or [{}])[-1]

    def to_json(self) -> dict:
        return {
            "made_at": self.made_at,
            "wasm_matrix": self.wasm_matrix,
            "runs": self.runs,
            "engines": self.engines,
            "records": [_trimmed(record) for record in self.records],
        }


@dataclass
class Measured:
    """The measurements `check` consults: probe records, the run's facts, where they came
    from (a run folder, or the shipped snapshot), and the corpus to find neighbours in."""

    records: list[CellResult]
    run: dict
    name: str
    source: str  # "run" or "snapshot"
    path: Path
    corpus: list[CellResult] | None = None  # load cells of the real-world corpus
    corpus_from: str = ""

    def age(self, now: datetime | None = None) -> str:
        """How long ago the run started, in words ("3 days old"), or "of unknown age"."""
        started = self.run.get("started_at")
        if not started:
            return "of unknown age"
        seconds = ((now or datetime.now(UTC)) - datetime.fromisoformat(started)).total_seconds()
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                count = int(seconds // size)
                return f"{count} {unit}{'' if count == 1 else 's'} old"
        return "less than a minute old"

    def describe(self) -> str:
        started = self.run.get("started_at", "?")
        if self.source == "snapshot":
            return (
                f"the snapshot shipped with wasm-matrix ({self.path.name}: run {self.name}, "
                f"started {started}, {self.age()}; no run with probe results under reports/)"
            )
        return f"run {self.name} ({self.path}, started {started}, {self.age()})"


def has_probes(records: list[CellResult]) -> bool:
    return any(r.kind == "probe" and r.outcome != Outcome.SKIP for r in records)


def measured_for(run: Path | None, reports: Path, snapshot: Path = SNAPSHOT) -> Measured:
    """What `check` answers from: the run given, else the newest run under `reports` with
    probe results, else the shipped snapshot; the corpus's neighbours always come from the
    snapshot when there is one (a run rarely holds both probes and the corpus)."""
    measured = from_run(run) if run else newest_measured(reports, snapshot)
    if measured is None and run:
        raise SnapshotError(f"no feature probe results in {run}")
    if measured is None:  # only when the package was installed without its snapshot
        raise SnapshotError(
            f"no run with feature probe results under {reports} and no shipped snapshot; "
            "measure with: wasm-matrix run cases/probes"
        )
    try:
        shipped = read(snapshot)
    except SnapshotError:
        return measured
    measured.corpus = [r for r in shipped.records if r.kind == "load"]
    measured.corpus_from = shipped.describe()
    return measured


def newest_measured(reports: Path, snapshot: Path = SNAPSHOT) -> Measured | None:
    """The newest run under `reports` with probe results, else the shipped snapshot."""
    for folder in run_folders(reports):
        records = read_results(folder)
        if has_probes(records):
            return Measured(records, read_run(folder), folder.name, "run", folder)
    return load_snapshot(snapshot)


def from_run(folder: Path) -> Measured | None:
    """A given run's measurements, or None when it has no probe results."""
    records = read_results(folder)
    if not has_probes(records):
        return None
    return Measured(records, read_run(folder), folder.resolve().name, "run", folder)


def load_snapshot(path: Path = SNAPSHOT) -> Measured | None:
    """The snapshot's probes as a run's records and facts, or None when there is none."""
    try:
        shipped = read(path)
    except SnapshotError:
        return None
    source = shipped.probe_run()
    run = {key: source.get(key) for key in ("started_at", "finished_at", "revision")}
    run |= {"wasm_matrix": shipped.wasm_matrix, "engines": shipped.engines}
    probes = [r for r in shipped.records if r.kind == "probe"]
    return Measured(probes, run, source.get("name", "?"), "snapshot", path)


def make(run_folders: list[Path]) -> Snapshot:
    """A snapshot of the probes and load cells of these runs (a later run's cell wins)."""
    cells: dict[tuple, CellResult] = {}
    runs, engines = [], {}
    for folder in run_folders:
        run = read_run(folder)
        # Controls are wrong on purpose: they say nothing about an engine (and the snapshot
        # does not keep the flag that says so).
        kept = [r for r in read_results(folder) if r.kind in KINDS and not r.control]
        if not kept:
            continue
        runs.append(
            {
                "name": folder.resolve().name,
                "started_at": run.get("started_at"),
                "finished_at": run.get("finished_at"),
                "revision": run.get("revision"),
                "machine": run.get("machine"),
                "kinds": sorted({r.kind for r in kept}),
                "cells": len(kept),
            }
        )
        for engine in run.get("engines", []):
            engines[engine["id"]] = {key: engine.get(key) for key in ENGINE_FACTS}
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
    first and last lines, and a package's spec."""
    full = record.to_record()
    trimmed = {key: full[key] for key in KEPT if full.get(key) not in (None, "", [], {})}
    for key in ("case", "toolchain", "profile", "engine", "outcome"):
        trimmed[key] = full[key]
    lines = [line.strip() for line in record.message.strip().splitlines() if line.strip()]
    # The first line (what `check` shows) and the last (where engines put the cause).
    trimmed["message"] = "\n".join(lines[:1] + lines[1:][-1:])[:MESSAGE_CHARS]
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


def read(path: Path = SNAPSHOT) -> Snapshot:
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
    for folder in run_folders(reports):
        kinds = {r.kind for r in read_results(folder)}
        for kind in KINDS:
            if kind in kinds and kind not in found:
                found[kind] = folder
        if len(found) == len(KINDS):
            break
    return sorted(set(found.values()))


def regenerate(
    folders: list[Path], reports: Path, output: Path = SNAPSHOT
) -> tuple[Snapshot, Path]:
    """`wasm-matrix snapshot`: a snapshot of these runs (default: the newest under
    reports/ with probes and with load cells), written to `output`."""
    folders = folders or newest_runs(reports)
    if not folders:
        raise SnapshotError(f"no runs with results under {reports}")
    made = make(folders)
    return made, write(made, output)
