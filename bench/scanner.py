"""Benchmark: the module scanner on a real-world module of tens of megabytes, beside wabt's
`wasm-validate --enable-all` on the same file (issue: "no longer than wasm-validate, in
under 1 GB"). Prints the figures and writes them to reports/bench/scanner-<time>.json.

The module is ffmpeg.wasm's core (32 MB), from the npm package @ffmpeg/core, installed
once into the cache. Each side runs in its own process, so peak memory is its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from matrix.install import ProvisionError, locked, npm_install
from matrix.paths import cache_dir

PACKAGE = "@ffmpeg/core@0.12.10"
MODULE = "node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.wasm"
ROUNDS = 3


def module_path() -> Path:
    folder = cache_dir() / "bench" / "ffmpeg-core-0.12.10"
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder.with_name(folder.name + ".lock")):
        if not (folder / MODULE).exists():
            try:
                npm_install(folder, [PACKAGE])
            except ProvisionError as error:
                sys.exit(f"the scanner benchmark cannot fetch its module: {error}")
    return folder / MODULE


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident KiB of one run of a command (GNU time's figures)."""
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"{command[0]} failed: {result.stderr.strip()[-500:]}")
    return seconds, int(result.stderr.strip().splitlines()[-1])


def best_of(command: list[str]) -> dict:
    runs = [timed(command) for _ in range(ROUNDS)]
    return {
        "seconds": round(min(s for s, _ in runs), 3),
        "peak_mib": round(max(k for _, k in runs) / 1024, 1),
    }


def main() -> None:
    module = module_path()
    scanner = [sys.executable, "-m", "matrix.scanner", str(module)]
    figures = {
        "module": str(module.name),
        "bytes": module.stat().st_size,
        "rounds": ROUNDS,
        "scanner": best_of(scanner),
    }
    validate = shutil.which("wasm-validate")
    if validate:
        figures["wasm-validate --enable-all"] = best_of([validate, "--enable-all", str(module)])
    else:
        figures["wasm-validate --enable-all"] = "not installed (Debian package wabt)"
    print(json.dumps(figures, indent=2))
    out = Path("reports") / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"scanner-{stamp}.json").write_text(json.dumps(figures, indent=2))
    (out / "scanner.json").write_text(json.dumps(figures, indent=2))  # for bench/run.py


if __name__ == "__main__":
    main()
