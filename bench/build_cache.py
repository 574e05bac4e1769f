"""Cold against warm build cache: every (case, toolchain, profile) of a selection built
into an empty cache, then looked up again by a fresh BuildCache on the same folder (as the
next run would). Target: warm >= 10x faster than cold.
`python bench/build_cache.py [--toolchains wat,binary,clang-19] [paths ...]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save, verdict

from matrix.build import BuildCache
from matrix.cases import load_cases
from matrix.toolchains import BuildFailed, ProfileNotExpressible, all_toolchains

PATHS = ["cases/programs", "cases/probes", "cases/c"]
TOOLCHAINS = "wat,binary,clang-19"
TARGET = 10.0


def build_all(cache: BuildCache, builds: list[tuple]) -> tuple[float, int]:
    started, made = time.perf_counter(), 0
    for case, toolchain, profile in builds:
        try:
            cache.build(case, toolchain, profile)
            made += 1
        except (BuildFailed, ProfileNotExpressible):
            pass
    return time.perf_counter() - started, made


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=PATHS)
    parser.add_argument("--toolchains", default=TOOLCHAINS)
    options = parser.parse_args(argv)
    toolchains = {
        name: toolchain
        for name, toolchain in all_toolchains().items()
        if name in options.toolchains.split(",") and not toolchain.unavailable_reason()
    }
    cases, _errors = load_cases([Path(path) for path in options.paths])
    builds = [
        (case, toolchains[name], profile)
        for case in cases
        for source in case.sources
        for name in toolchains
        if toolchains[name].format == source.format
        for profile in case.profiles
    ]
    with tempfile.TemporaryDirectory() as folder:
        cold, made = build_all(BuildCache(Path(folder)), builds)
        warm, _ = build_all(BuildCache(Path(folder)), builds)
    ratio = round(cold / warm, 1) if warm else None
    lines = [
        f"build cache: {made} modules ({', '.join(toolchains)}); target warm >= {TARGET}x cold",
        f"  cold {cold:.3f} s ({cold / max(made, 1) * 1000:.1f} ms a module), "
        f"warm {warm:.3f} s ({warm / max(made, 1) * 1000:.2f} ms a module): {ratio}x "
        f"({verdict(ratio or 0, TARGET, True)})",
    ]
    figures = {
        "target_ratio": TARGET,
        "toolchains": list(toolchains),
        "modules": made,
        "cold_s": round(cold, 3),
        "warm_s": round(warm, 4),
        "ratio": ratio,
    }
    save("build_cache", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
