"""What a matrix run shows while it runs, and the lines it ends with.

On a terminal: one live status line (rich), redrawn a few times a second: cells done of
planned, outcome counts so far, cells per second, the time left, and the engine builds
that still have cells to run. Elsewhere (CI logs, a pipe): the same as a plain line every
few seconds. At the end: the matrix summary, counts per outcome and where the report is;
"failed" is said only of cells a `requires:` or `--fail-on` makes failures, since a
non-pass cell is the matrix's data, not a fault.

`Progress.finished(record)` is an observer of the run's finished cells.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.text import Text

from .outcomes import Outcome
from .records import CellResult

LINE_EVERY = 5.0  # seconds between two status lines when the output is no terminal
ENGINES_SHOWN = 4  # engine builds still running named on the status line

# The colour of each outcome in the terminal (the site's colours, as near as a terminal has).
STYLES = {
    Outcome.PASS: "green",
    Outcome.VALID: "cyan",
    Outcome.INVALID: "yellow4",
    Outcome.FAIL: "red",
    Outcome.TRAP: "dark_orange",
    Outcome.REJECT: "yellow",
    Outcome.CRASH: "magenta",
    Outcome.TIMEOUT: "blue",
    Outcome.BUILD_ERROR: "orange4",
    Outcome.SKIP: "bright_black",
    Outcome.ERROR: "bold red",
}


@dataclass(frozen=True)
class Status:
    done: int
    planned: int
    counts: Counter[Outcome]
    rate: float  # cells per second since the first cell finished
    left: float | None  # seconds, at that rate
    running: list[str]  # engine builds with cells still to run, most cells left first

    def text(self) -> Text:
        line = Text()
        line.append(f"{self.done:,}/{self.planned:,} cells", style="bold")
        shown = [(o, self.counts[o]) for o in Outcome if self.counts[o]]
        if shown:
            line.append("  ")
            for index, (outcome, count) in enumerate(shown):
                line.append(("" if index == 0 else ", ") + f"{count:,} {outcome}", STYLES[outcome])
        line.append(f"  {self.rate:.1f} cells/s")
        if self.left is not None:
            line.append(f"  {duration(self.left)} left")
        if self.running:
            names = ", ".join(self.running[:ENGINES_SHOWN])
            more = len(self.running) - ENGINES_SHOWN
            line.append(f"  running: {names}" + (f" +{more} more" if more > 0 else ""), "dim")
        return line


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class Progress:
    """The live status of one run. Thread-safe: cells are counted as the run records them,
    the terminal redraws from its own thread."""

    def __init__(
        self,
        console: Console | None = None,
        line_every: float = LINE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.console = console or Console(stderr=True)
        self.line_every = line_every
        self.clock = clock
        self._lock = threading.Lock()
        self._planned: Counter[str] = Counter()  # engine build -> cells planned
        self._done: Counter[str] = Counter()  # engine build -> cells finished
        self._counts: Counter[Outcome] = Counter()
        self._first: float | None = None  # when the first cell finished
        self._last_line = 0.0
        self._live: Live | None = None

    def start(self, planned: Mapping[str, int] | Iterable[str]) -> None:
        """The cells to come, per engine build (a mapping, or one engine id per cell)."""
        with self._lock:
            self._planned = Counter(planned)
            self._last_line = self.clock()
        if self.console.is_terminal:
            self._live = Live(
                get_renderable=lambda: self.status().text(),
                console=self.console,
                refresh_per_second=4,
                transient=True,
                # pytest captures sys.stdout and sys.stderr around each cell: leave them be.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def finished(self, record: CellResult) -> None:
        """A finished cell (an observer of the run: MatrixRun.observe)."""
        now = self.clock()
        with self._lock:
            self._done[record.engine] += 1
            self._counts[Outcome(record.outcome)] += 1
            if self._first is None:
                self._first = now
            due = self._live is None and now - self._last_line >= self.line_every
            if due:
                self._last_line = now
        if due:
            self.console.print(self.status().text(), highlight=False, soft_wrap=True)

    def status(self) -> Status:
        with self._lock:
            done = sum(self._done.values())
            planned = max(sum(self._planned.values()), done)
            elapsed = self.clock() - self._first if self._first is not None else 0.0
            rate = (done - 1) / elapsed if elapsed > 0 and done > 1 else 0.0
            left = (planned - done) / rate if rate > 0 else None
            remaining = {e: n - self._done[e] for e, n in self._planned.items()}
            running = sorted(
                (e for e, n in remaining.items() if n > 0), key=lambda e: -remaining[e]
            )
            return Status(done, planned, Counter(self._counts), rate, left, running)

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def closing_lines(
    counts: Mapping[str, int], failed: int, failing_rule: str, folder: Path | None
) -> list[str]:
    """The matrix summary a run ends with: counts per outcome; "failed" only for the cells
    that the run's rules (`requires:`, --fail-on) make failures; where the report is."""
    total = sum(counts.values())
    shown = ", ".join(f"{counts[o]} {o}" for o in Outcome if counts.get(o))
    lines = [f"cells:   {total} ({shown or 'none'})"]
    if failed:
        lines.append(f"failed:  {failed} cells ({failing_rule})")
    else:
        lines.append(f"failed:  none ({failing_rule}); every other outcome is the matrix's data")
    if folder is not None:
        lines += [
            f"results: {folder / 'results.jsonl'}",
            f"report:  {folder / 'summary.md'}",
            f"site:    {folder / 'site' / 'index.html'}",
        ]
    return lines
