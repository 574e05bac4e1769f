"""The progress display: its numbers from a fake clock, a line every few seconds when the
output is no terminal, a live line on a terminal, and the closing matrix summary."""

from __future__ import annotations

import io

from rich.console import Console

from matrix.outcomes import Outcome
from matrix.progress import Progress, closing_lines, duration
from matrix.records import CellResult


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def cell(engine, outcome="pass"):
    return CellResult("c", "wat", "default", engine, outcome)


def plain(width=200):
    out = io.StringIO()
    return out, Console(file=out, force_terminal=False, width=width, color_system=None)


def test_status_counts_rate_time_left_and_the_engines_still_running():
    clock = Clock()
    progress = Progress(plain()[1], clock=clock)
    progress.start({"slow": 6, "quick": 2, "done-early": 1})
    progress.finished(cell("done-early"))  # t = 100: the first cell
    clock.now = 102.0
    progress.finished(cell("quick", "reject"))
    progress.finished(cell("slow"))  # 2 more cells in 2 s: 1 cell/s
    status = progress.status()
    assert (status.done, status.planned) == (3, 9)
    assert status.counts == {Outcome.PASS: 2, Outcome.REJECT: 1}
    assert status.rate == 1.0
    assert status.left == 6.0  # 6 cells to go at 1 cell/s
    assert status.running == ["slow", "quick"]  # most cells left first; done-early is done
    text = status.text().plain
    assert text == "3/9 cells  2 pass, 1 reject  1.0 cells/s  6 s left  running: slow, quick"


def test_without_a_terminal_a_line_every_few_seconds():
    clock = Clock()
    out, console = plain()
    progress = Progress(console, line_every=5.0, clock=clock)
    progress.start(["e"] * 100)
    for second in range(12):
        clock.now = 100.0 + second
        progress.finished(cell("e", "skip" if second % 3 else "pass"))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # at 5 s and 10 s, not a line per cell
    assert lines[0].startswith("6/100 cells  2 pass, 4 skip  1.0 cells/s  1 min 34 s left")
    assert lines[1].startswith("11/100 cells")


def test_on_a_terminal_one_live_line_that_is_gone_at_the_end():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    progress = Progress(console)
    progress.start({"e": 2})
    progress.finished(cell("e"))
    progress.finished(cell("e", "trap"))
    progress.stop()
    drawn = out.getvalue()
    assert "2/2 cells" in drawn  # drawn while running (rich's live display)…
    assert drawn.count("\n") <= 2  # …as one line redrawn in place, not a line per cell


def test_the_run_ends_with_the_matrix_summary_and_names_only_real_failures(tmp_path):
    counts = {"pass": 10, "reject": 3, "skip": 2}
    lines = closing_lines(counts, 0, "no cell ended in --fail-on error", tmp_path)
    assert lines[0] == "cells:   15 (10 pass, 3 reject, 2 skip)"
    assert lines[1].startswith("failed:  none (no cell ended in --fail-on error)")
    assert lines[2:] == [
        f"results: {tmp_path / 'results.jsonl'}",
        f"report:  {tmp_path / 'summary.md'}",
        f"site:    {tmp_path / 'site' / 'index.html'}",
    ]
    failing = closing_lines(counts, 3, "reject on a required engine", None)
    assert failing[1:] == ["failed:  3 cells (reject on a required engine)"]


def test_durations_read_as_people_say_them():
    assert [duration(s) for s in (5, 65, 3725)] == ["5 s", "1 min 05 s", "1 h 02 min"]
