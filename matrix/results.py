"""The results store: one folder per run with results.jsonl (a line per finished cell,
appended at once) and run.json (what ran where), plus `reports/latest` pointing at the
newest run. Reports read these files, never live objects: read_results gives the cells
back as typed records (records.py).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from sys import intern

from . import __version__
from .records import CellKey, CellResult

RESULTS = "results.jsonl"
RUN = "run.json"
LATEST = "latest"


def new_run_folder(reports: Path, now: datetime | None = None) -> Path:
    """A fresh folder `reports/<UTC timestamp>`, unique even within one second."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    reports.mkdir(parents=True, exist_ok=True)
    for attempt in range(1000):
        folder = reports / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot make a run folder in {reports}")


_RUN_NAME = re.compile(r"\d{8}T\d{6}Z(-\d+)?")


def run_folders(reports: Path) -> list[Path]:
    """The run folders under `reports` that hold results, newest first (by their names,
    which are their start times)."""
    if not reports.is_dir():
        return []
    found = [
        folder
        for folder in reports.iterdir()
        if _RUN_NAME.fullmatch(folder.name) and (folder / RESULTS).is_file()
    ]
    return sorted(found, key=lambda folder: folder.name, reverse=True)


def point_latest(run_folder: Path) -> None:
    """Make `reports/latest` a symlink to the run (replaced atomically)."""
    link = run_folder.parent / LATEST
    temporary = run_folder.parent / f".{LATEST}-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(run_folder.name, target_is_directory=True)
    os.replace(temporary, link)


class ResultsWriter:
    """Appends one JSON line per cell and hands it to the operating system before returning,
    so a run that is killed loses nothing it has written.

    A thread of its own then fsyncs the file as soon as it can (one fsync covers every line
    written before it), so a machine that loses power loses at most the last few
    milliseconds' cells. The run's own thread never waits for the disk: an fsync per cell
    took 5-11 ms here, serial in the controller that feeds every worker.

    Resuming a run appends to its results; a torn last line is cut off first, or the next
    record would be glued to it and both lost.
    """

    def __init__(self, run_folder: Path, resume: bool = False):
        self.path = run_folder / RESULTS
        if resume:
            cut_torn_tail(self.path)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open for the run)
        self._unsynced = threading.Event()
        self._closing = False
        self._syncer = threading.Thread(target=self._sync, name="results-fsync", daemon=True)
        self._syncer.start()

    def write(self, record: dict | CellResult) -> None:
        if isinstance(record, CellResult):
            record = record.to_record()
        self._file.write(record_line(record))
        self._file.flush()
        self._unsynced.set()

    def _sync(self) -> None:
        descriptor = self._file.fileno()
        while True:
            self._unsynced.wait()
            if self._closing:
                return
            self._unsynced.clear()  # before the fsync: a line written during it sets it again
            os.fsync(descriptor)

    def close(self) -> None:
        if self._file.closed:
            return
        self._closing = True
        self._unsynced.set()
        self._syncer.join()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


def record_line(record: dict) -> str:
    """A record as one line of results.jsonl (keys sorted: files from any writer compare)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def read_results(run_folder: Path) -> list[CellResult]:
    """Every complete line of a run's results as a typed record; a torn last line (a killed
    run) is skipped, and so is a line that is not a cell's record."""
    path = run_folder / RESULTS
    records = []
    if not path.exists():
        return records
    with open(path, encoding="utf-8") as file:
        for line in file:
            if not line.endswith("\n"):
                break  # the line a killed writer never finished
            try:
                records.append(CellResult.from_record(_shared(json.loads(line))))
            except (ValueError, AttributeError):  # not JSON, not an object, not a record
                continue
    return records


def _shared(record: dict) -> dict:
    """The record with its keys and short strings interned: records repeat them (outcome,
    engine, case, toolchain, ...), and 100,000 records take a third of the memory so."""
    return {
        intern(key): intern(value) if type(value) is str and len(value) <= 100 else value
        for key, value in record.items()
    }


def finished_cells(run_folder: Path) -> set[CellKey]:
    """The cells a run already has results for: a resumed run does not run them again."""
    return {record.key for record in read_results(run_folder)}


def cut_torn_tail(path: Path) -> int:
    """Cut a results file back to its last complete line; returns how many bytes went."""
    try:
        with open(path, "rb+") as file:
            size = file.seek(0, os.SEEK_END)
            if size == 0:
                return 0
            # Read back from the end until a newline: the torn line is at most one record.
            keep, chunk = size, 1 << 16
            while keep > 0:
                start = max(0, keep - chunk)
                file.seek(start)
                newline = file.read(keep - start).rfind(b"\n")
                if newline >= 0:
                    keep = start + newline + 1
                    break
                keep = start
            if keep < size:
                file.truncate(keep)
                file.flush()
                os.fsync(file.fileno())
            return size - keep
    except FileNotFoundError:
        return 0


@dataclass
class RunInfo:
    """What run.json holds: engines and toolchains with exact versions, host, times, revision."""

    started_at: str
    finished_at: str | None
    engines: list[dict]
    toolchains: list[dict]
    selection: dict
    cells_planned: int
    project: Path | None = None  # the checkout the cases come from, for its revision
    shard: dict | None = None  # when sharded: which shard, and the plan it is a part of
    resumed_at: list[str] = field(default_factory=list)  # each time the run was resumed
    schedule: dict | None = None  # with -n: how cells were dealt, and each worker's share

    def write(self, run_folder: Path) -> None:
        data = {
            "wasm_matrix": __version__,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cells_planned": self.cells_planned,
            "resumed_at": self.resumed_at,
            "selection": self.selection,
            "engines": self.engines,
            "toolchains": self.toolchains,
            "machine": machine_facts(),
            "revision": project_revision(self.project),
        }
        if self.shard is not None:
            data["shard"] = self.shard
        if self.schedule is not None:
            data["schedule"] = self.schedule
        (run_folder / RUN).write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")


def read_run(run_folder: Path) -> dict:
    try:
        return json.loads((run_folder / RUN).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def machine_facts() -> dict:
    return {
        "os": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def project_revision(folder: Path | None) -> str | None:
    """`git describe` of the folder's checkout, or None outside a git checkout."""
    if folder is None:
        return None
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            cwd=folder,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def read_durations(source: Path) -> dict[tuple[str, str, str, str], float]:
    """Each cell's `duration_ms` in an earlier run (its folder or its results.jsonl)."""
    folder = source.parent if source.name == RESULTS else source
    if not (folder / RESULTS).exists():
        raise FileNotFoundError(f"no {RESULTS} in {folder}")
    return {r.key: float(r.duration_ms or 0.0) for r in read_results(folder)}
