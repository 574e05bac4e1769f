"""The runner's side of one cell's protocol handling, in CPU time: the `run` request made
and encoded, the answer decoded, for every case of cases/programs and cases/probes that
makes calls (module bytes stand in: no host, no engine; judging is the same either way).

Three ways: plain dicts (the floor: what any encoding of these messages costs), the typed
messages of matrix/protocol.py, and the typed messages checked against
engines/protocol.schema.json (WASM_MATRIX_CHECK_PROTOCOL=1). CPU time (process_time,
best of many batches) so that other load on the machine stays out of the figures.
Targets: typed <= dicts + 0.05 ms a cell; checking is on only in tests where it costs more.
`python bench/protocol.py`.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save

from matrix import protocol
from matrix.cases import load_cases
from matrix.protocol import Invoke, Limits, Run, RunAnswer

TARGET_MS = 0.05
MODULE = bytes(2000)  # a small module's size; its bytes do not matter here


def answer_for(case) -> str:
    """An answer of the size a host gives: each call returns one value."""
    one = {"status": "return", "values": [{"type": "i32", "value": "7"}]}
    return json.dumps({"seq": 1, "status": "ran", "calls": [one for _ in case.calls]})


def dicts(case, line: str) -> None:
    request = {
        "cmd": "run",
        "module": base64.b64encode(MODULE).decode("ascii"),
        "calls": [{"invoke": c.invoke, "args": [a.to_wire() for a in c.args]} for c in case.calls],
        "limits": {"seconds": case.timeout, "memory_bytes": 3 * 2**30},
        "seq": 1,
    }
    json.dumps(request)
    json.loads(line)


def typed(case, line: str) -> None:
    request = Run(
        MODULE,
        tuple(Invoke(c.invoke, tuple(a.to_wire() for a in c.args)) for c in case.calls),
        Limits(case.timeout, 3 * 2**30),
    )
    json.dumps(request.to_wire(1))
    RunAnswer.from_wire(json.loads(line))


def cpu_us(work, cases, batches: int) -> float:
    """Best CPU microseconds per cell over `batches` passes over every case."""
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for case, line in cases:
            work(case, line)
        best = min(best, time.process_time() - started)
    return best / len(cases) * 1e6


def main() -> dict:
    loaded, _errors = load_cases([Path("cases/programs"), Path("cases/probes")])
    cases = [(case, answer_for(case)) for case in loaded if case.calls]
    os.environ.pop("WASM_MATRIX_CHECK_PROTOCOL", None)
    protocol.checking.cache_clear()
    floor = cpu_us(dicts, cases, 200)
    unchecked = cpu_us(typed, cases, 200)
    os.environ["WASM_MATRIX_CHECK_PROTOCOL"] = "1"
    protocol.checking.cache_clear()
    checked = cpu_us(typed, cases, 5)
    added = (unchecked - floor) / 1000
    figures = {
        "cells": len(cases),
        "dicts_ms": round(floor / 1000, 4),
        "typed_ms": round(unchecked / 1000, 4),
        "typed_checked_ms": round(checked / 1000, 4),
        "typed_over_dicts_ms": round(added, 4),
        "checking_ms": round((checked - unchecked) / 1000, 4),
        "target_ms": TARGET_MS,
        "median_calls": statistics.median(len(case.calls) for case, _ in cases),
    }
    verdict = "met" if added <= TARGET_MS else "MISSED"
    text = "\n".join(
        [
            f"protocol handling per cell, CPU time ({len(cases)} cells)",
            f"  plain dicts {figures['dicts_ms']:.4f} ms, typed {figures['typed_ms']:.4f} ms: "
            f"+{figures['typed_over_dicts_ms']:.4f} ms a cell ({verdict}, target "
            f"<= {TARGET_MS} ms)",
            f"  checked against the schema: {figures['typed_checked_ms']:.4f} ms "
            f"(+{figures['checking_ms']:.4f} ms a cell: in tests, or WASM_MATRIX_CHECK_PROTOCOL=1)",
        ]
    )
    save("protocol", figures, text)
    return figures


if __name__ == "__main__":
    main()
