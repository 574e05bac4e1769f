"""wasm-matrix host for WABT's interpreter, driving Debian's spectest-interp.

spectest-interp only runs JSON spec scripts, so each `run` writes the module, a wrapper
module (wasmbin.py: exact float bits) and a script of `action` commands into a fresh
temporary folder, runs spectest-interp once and reads each action's printed result.

Started as: host.py --interp /usr/bin/spectest-interp [--disable-FEATURE …] [--disable NAME …]
The `--disable-*` engine flags come from the manifest; the host adds the `--enable-*` flags
of every proposal this wabt can switch on, except those switched off.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasmbin
from pyhost import (
    Host,
    Reject,
    serve,
)
from trapwords import (
    MISMATCH,
    SPEC_WORDS,
    UNALIGNED,
    UNDEFINED,
    UNINITIALIZED,
    rules,
    trap_kinds,
)

# Proposals wabt has off by default: our name -> the flags that switch them on. Not gc:
# 1.0.32 cannot decode struct types even with --enable-gc, and its function-references
# types ref.func as (ref N) with no subtyping to funcref, breaking valid reference-types
# modules; so gc (with function-references) stays off and is reported off.
ENABLE = {
    "tail-call": ["--enable-tail-call"],
    "extended-const": ["--enable-extended-const"],
    "exceptions": ["--enable-exceptions"],
    "memory64": ["--enable-memory64"],
    "threads": ["--enable-threads"],
    "multi-memory": ["--enable-multi-memory"],
    "relaxed-simd": ["--enable-relaxed-simd"],
}
# Proposals wabt has on by default (the manifest passes their --disable-* flags).
DEFAULT_ON = [
    "mvp",
    "mutable-globals",
    "sign-ext",
    "nontrapping-fptoint",
    "multivalue",
    "bulk-memory",
    "reference-types",
    "call-indirect-overlong",
    "simd128",
]
# spectest-interp's flags for them, which the manifest passes.
WABT_DISABLE_FLAGS = [
    "--disable-mutable-globals",
    "--disable-sign-extension",
    "--disable-saturating-float-to-int",
    "--disable-multi-value",
    "--disable-bulk-memory",
    "--disable-reference-types",
    "--disable-simd",
]
# What cannot stay on once what it builds on is off; wabt itself turns reference types
# back on for --enable-exceptions, so exceptions must go when reference types do.
BUILDS_ON = {
    "reference-types": ["call-indirect-overlong", "exceptions"],
    "simd128": ["relaxed-simd"],
}
# A generous limit of its own, so a spectest-interp can never outlive its host by long.
INTERP_TIMEOUT = 600
RESULT_LINE = re.compile(r"^w(\d+)\((.*)\) =>(?: (.*))?$")
VALUE = re.compile(r"^(i32|i64):(\d+)$")
LIBC = ctypes.CDLL(None, use_errno=True)
# wabt's own words for some traps, before the spec's (its actions fail only by trapping).
TRAP_RULES = (
    rules(
        (r"undefined table index", [UNDEFINED]),
        (r"uninitialized table element", [UNINITIALIZED]),
        (r"indirect call signature mismatch", [MISMATCH]),
        (r"invalid atomic access", [UNALIGNED]),
    )
    + SPEC_WORDS
)


def _die_with_parent() -> None:
    # The runner SIGKILLs the host on a timeout; take spectest-interp down with it.
    LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class WabtHost(Host):
    engine = "wabt"

    def __init__(self, disabled: list[str], interp: str, engine_flags: list[str]):
        super().__init__(disabled)
        self.interp = interp
        self.off = set(disabled)
        for name in disabled:
            self.off.update(BUILDS_ON.get(name, []))
        self.flags = list(engine_flags)
        for name, flags in ENABLE.items():
            if name not in self.off:
                self.flags += flags

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--interp", default="spectest-interp", help="spectest-interp")
        # The manifest's engine flags, passed on to spectest-interp as they are.
        for flag in WABT_DISABLE_FLAGS:
            parser.add_argument(flag, dest="engine_flags", action="append_const", const=flag)

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> WabtHost:
        return cls(options.disable, options.interp, options.engine_flags or [])

    def version(self) -> str:
        result = subprocess.run(
            [self.interp, "--version"], capture_output=True, text=True, check=True, timeout=60
        )
        return result.stdout.strip()

    def features(self) -> dict[str, bool]:
        features = {name: name not in self.off for name in [*DEFAULT_ON, *ENABLE]}
        return {**features, "gc": False}

    def run(self, module: bytes, calls: list[dict]) -> list[dict]:
        with tempfile.TemporaryDirectory(prefix="wabt-host-") as folder:
            return self._run_in(Path(folder), module, calls)

    def _run_in(self, folder: Path, module: bytes, calls: list[dict]) -> list[dict]:
        (folder / "m.wasm").write_bytes(module)
        commands: list[dict] = [{"type": "module", "line": 1, "filename": "m.wasm"}]
        try:
            info = wasmbin.read_module(module)
        except (wasmbin.NotParsed, UnicodeDecodeError) as error:
            # Beyond our reader: let wabt judge the module; if it takes it, that is our bug.
            self._load(folder, commands)
            raise RuntimeError(f"wabt loaded a module the host cannot read: {error}") from None
        if info.imports:
            # spectest-interp would link its own `spectest` module; hosts give no imports.
            self._load(folder, commands)
            raise Reject("instantiate", "the module has imports; the host gives none")

        # One wrapper export per distinct export called; calls that cannot be made get
        # their error answer without going to the engine.
        names: list[str] = []
        actions: list[dict] = []
        plan: list[int | str] = []  # per call: its action's index, or the error message
        for call in calls:
            problem = _problem(info, call)
            if problem:
                plan.append(problem)
                continue
            if call["invoke"] not in names:
                names.append(call["invoke"])
            args = [
                {"type": wasmbin.BITS[arg["type"]], "value": str(int(arg["value"]))}
                for arg in call.get("args", [])
            ]
            field = f"w{names.index(call['invoke'])}"
            plan.append(len(actions))
            actions.append({"type": "invoke", "field": field, "args": args})
        results: list[dict] = []
        if actions:
            targets = [(name, info.exports[name][1]) for name in names]
            (folder / "w.wasm").write_bytes(wasmbin.wrapper("m", targets))
            commands += [
                {"type": "register", "line": 2, "as": "m"},
                {"type": "module", "line": 3, "filename": "w.wasm"},
            ]
            for action in actions:
                line = len(commands) + 1
                commands.append({"type": "action", "line": line, "action": action, "expected": []})
            result = self._load(folder, commands)
            wanted = [int(action["field"][1:]) for action in actions]
            signatures = [(k, targets[k][1]) for k in wanted]
            results = _results(result.stdout, signatures, result.stdout + result.stderr)
        else:
            self._load(folder, commands)
        return [
            {"status": "error", "message": step} if isinstance(step, str) else results[step]
            for step in plan
        ]

    def _load(self, folder: Path, commands: list[dict]) -> subprocess.CompletedProcess:
        """Run the script; raise Reject if wabt refuses the module."""
        script = {"source_filename": "run", "commands": commands}
        (folder / "run.json").write_text(json.dumps(script), "utf-8")
        command = [self.interp, *self.flags, "run.json"]
        try:
            result = subprocess.run(
                command,
                cwd=folder,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=INTERP_TIMEOUT,
                preexec_fn=_die_with_parent,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"spectest-interp ran longer than {INTERP_TIMEOUT} s") from None
        # Diagnostics (wabt's reasons) go to stderr, the script's progress to stdout.
        output = result.stdout + result.stderr
        if result.returncode < 0:
            # The engine itself crashed: die too, so the cell is a crash with this note.
            sys.stderr.write(
                f"spectest-interp was killed by signal {-result.returncode}:\n{output[-2000:]}\n"
            )
            sys.stderr.flush()
            os._exit(70)
        for line in result.stdout.splitlines():
            if line.startswith("run:1: error reading module"):
                raise Reject("compile", _diagnostic(result.stderr) or line)
            if line.startswith("run:1: error instantiating module:"):
                raise Reject("instantiate", _quoted(line.split(":", 3)[3]))
            if re.match(r"^run:[23]: ", line):
                raise RuntimeError(f"the host's wrapper module failed in wabt:\n{output}")
        return result


def _problem(info: wasmbin.ModuleInfo, call: dict) -> str | None:
    """Why a call cannot be made, or None."""
    name, args = call["invoke"], call.get("args", [])
    kind, signature = info.exports.get(name, (None, None))
    if kind is None:
        return f"unknown function export {name!r}"
    if kind != 0 or signature is None:
        return f"export {name!r} is not a function"
    if not signature.numeric:
        kinds = sorted(set(signature.params + signature.results) - set(wasmbin.CODES))
        return f"wabt host cannot pass values of type {', '.join(kinds)}"
    given = tuple(arg["type"] for arg in args)
    if given != signature.params:
        return f"{name} takes ({', '.join(signature.params)}), the call gives ({', '.join(given)})"
    return None


def _results(
    stdout: str, signatures: list[tuple[int, wasmbin.Signature]], output: str
) -> list[dict]:
    """One answer per action, from the lines `w<k>(args) => results | error: message`;
    anything else is a host error showing spectest-interp's whole `output`."""
    found = [m for m in map(RESULT_LINE.match, stdout.splitlines()) if m]
    if len(found) != len(signatures):
        raise RuntimeError(
            f"expected {len(signatures)} results from spectest-interp, found {len(found)}:\n"
            + output
        )
    answers = []
    for match, (k, signature) in zip(found, signatures, strict=True):
        if int(match.group(1)) != k:
            raise RuntimeError(f"results out of order (w{k} expected):\n{output}")
        text = match.group(3) or ""
        if text.startswith("error: "):
            message = text[len("error: ") :]
            answers.append(
                {"status": "trap", "message": message, "kinds": trap_kinds(message, TRAP_RULES)}
            )
            continue
        parts = [part.strip() for part in text.split(",")] if text else []
        values = [VALUE.match(part) for part in parts]
        wire = [wasmbin.BITS[kind] for kind in signature.results]
        if len(values) != len(wire) or not all(values):
            raise RuntimeError(f"cannot read the result {text!r}:\n{output}")
        if [value.group(1) for value in values] != wire:
            raise RuntimeError(f"unexpected result types {text!r}:\n{output}")
        answers.append(
            {
                "status": "return",
                "values": [
                    {"type": kind, "value": value.group(2)}
                    for kind, value in zip(signature.results, values, strict=True)
                ],
            }
        )
    return answers


def _diagnostic(stderr: str) -> str:
    # wabt's first error, without the temporary file's name in front of it.
    for line in stderr.splitlines():
        if "error" in line:
            return line.removeprefix("m.wasm:").strip()
    return stderr.strip()


def _quoted(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


if __name__ == "__main__":
    serve(WabtHost)
