"""What every benchmark shares: where figures go, how they are shown, the machine."""

from __future__ import annotations

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

OUT = Path("reports") / "bench"


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        # Figures taken on a busy machine are not final: the load says how busy it was.
        "load_average_1m": round(load[0], 2) if load else None,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def save(name: str, figures: dict, text: str) -> Path:
    """Print the text and write reports/bench/<name>.json and <name>.txt."""
    OUT.mkdir(parents=True, exist_ok=True)
    figures = {"machine": machine(), **figures}
    (OUT / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    (OUT / f"{name}.txt").write_text(text.rstrip() + "\n", "utf-8")
    print(text.rstrip())
    return OUT / f"{name}.json"


def median_ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 3)


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "MISSED"
