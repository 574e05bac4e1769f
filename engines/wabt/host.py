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
from imports import CannotProvide, NotRead, provider_module, read_imports
from pyhost import CannotStub, Host, Reject, StubCalled, serve
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
# What a generated import's stub prints before it traps (imports.provider_module).
STUB_LINE = re.compile(r"^called host spectest\.print_i32\(i32:(\d+)\) =>")
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
            return self._run_in(Path(folder), module, calls, None)

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        """spectest-interp links modules only: each import namespace gets a module that
        provides it (imports.provider_module), registered under the namespace's name. Its
        functions report their number through spectest.print_i32 before they trap, which
        is how a call of a stub is told from the module's own `unreachable`."""
        try:
            wanted = read_imports(module)
        except NotRead:
            wanted = []  # beyond our reader: wabt judges the module in _run_in
        namespaces: dict[str, list] = {}
        for item in wanted:
            namespaces.setdefault(item.module, []).append(item)
        # `spectest` last: the providers themselves report through the real one.
        order = sorted(namespaces, key=lambda name: name == "spectest")
        providers, first = [], 0
        for namespace in order:
            items = namespaces[namespace]
            try:
                providers.append((namespace, provider_module(items, first=first)))
            except CannotProvide as error:
                raise CannotStub(
                    f"wabt links modules only, and no module can export {error}"
                ) from None
            first += len(items)
        labels = [item.label for namespace in order for item in namespaces[namespace]]
        wanted = [item for namespace in order for item in namespaces[namespace]]
        try:
            with tempfile.TemporaryDirectory(prefix="wabt-host-") as folder:
                answers = self._run_in(Path(folder), module, calls, (providers, labels))
        except ProviderRefused:
            # A provider declares only the module's own import types, so wabt refusing it
            # (an externref parameter without reference types) most likely means it
            # refuses the module too: read the module alone for wabt's own verdict on it.
            with tempfile.TemporaryDirectory(prefix="wabt-host-") as folder:
                try:
                    self._run_in(Path(folder), module, [], None)
                except Reject as reject:
                    if reject.stage == "compile":
                        raise
            raise
        return len(wanted), answers

    def _run_in(
        self, folder: Path, module: bytes, calls: list[dict], stubs: tuple | None
    ) -> list[dict]:
        (folder / "m.wasm").write_bytes(module)
        commands: list[dict] = []
        labels: list[str] = []
        if stubs is not None:
            providers, labels = stubs
            for k, (namespace, provider) in enumerate(providers):
                (folder / f"p{k}.wasm").write_bytes(provider)
                commands.append({"type": "module", "filename": f"p{k}.wasm"})
                commands.append({"type": "register", "as": namespace})
        main = len(commands) + 1  # the module's line in the script
        commands.append({"type": "module", "filename": "m.wasm"})
        try:
            info = wasmbin.read_module(module)
        except (wasmbin.NotRead, UnicodeDecodeError) as error:
            # Beyond our reader: let wabt judge the module; if it takes it, that is our bug.
            self._load(folder, commands, main, labels)
            raise RuntimeError(f"wabt loaded a module the host cannot read: {error}") from None
        if info.imports and stubs is None:
            # spectest-interp would link its own `spectest` module; hosts give no imports.
            self._load(folder, commands, main, labels)
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
                {"type": "register", "as": "m"},
                {"type": "module", "filename": "w.wasm"},
            ]
            for action in actions:
                commands.append({"type": "action", "action": action, "expected": []})
            result = self._load(folder, commands, main, labels)
            wanted = [int(action["field"][1:]) for action in actions]
            signatures = [(k, targets[k][1]) for k in wanted]
            results = _results(result.stdout, signatures, result.stdout + result.stderr, labels)
        else:
            self._load(folder, commands, main, labels)
        return [
            {"status": "error", "message": step} if isinstance(step, str) else results[step]
            for step in plan
        ]

    def _load(
        self, folder: Path, commands: list[dict], main: int, labels: list[str]
    ) -> subprocess.CompletedProcess:
        """Run the script; raise Reject if wabt refuses the module (line `main`)."""
        # spectest-interp's reader wants each command's "line" right after its "type".
        numbered = [
            {"type": command["type"], "line": line, **command}
            for line, command in enumerate(commands, 1)
        ]
        script = {"source_filename": "run", "commands": numbered}
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
        if "run.json:" in result.stderr:  # spectest-interp could not read our script
            raise RuntimeError(f"spectest-interp refused the host's script:\n{output}")
        stub = None  # the last stub that reported being called
        for line in result.stdout.splitlines():
            called = STUB_LINE.match(line)
            if called and int(called.group(1)) < len(labels):
                stub = labels[int(called.group(1))]
            if line.startswith(f"run:{main}: error reading module"):
                raise Reject("compile", _diagnostic(result.stderr) or line)
            if line.startswith(f"run:{main}: error instantiating module:"):
                if stub is not None:  # the start function called a stub
                    raise StubCalled(stub)
                raise Reject("instantiate", _quoted(line.split(":", 3)[3]))
            number = re.match(r"^run:(\d+): ", line)
            if number and int(number.group(1)) != main and "unexpected trap" not in line:
                raise ProviderRefused(f"the host's own modules failed in wabt:\n{output}")
        return result


class ProviderRefused(RuntimeError):
    """spectest-interp refused a module the host made (a provider, the wrapper)."""


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
    stdout: str,
    signatures: list[tuple[int, wasmbin.Signature]],
    output: str,
    labels: list[str] | None = None,
) -> list[dict]:
    """One answer per action, from the lines `w<k>(args) => results | error: message`;
    anything else is a host error showing spectest-interp's whole `output`. `labels`: the
    generated imports, so that a trap right after a stub reported its call says so."""
    found = []
    stub = None
    for line in stdout.splitlines():
        called = STUB_LINE.match(line)
        if called and labels and int(called.group(1)) < len(labels):
            stub = labels[int(called.group(1))]
        match = RESULT_LINE.match(line)
        if match:
            found.append((match, stub))
            stub = None
    if len(found) != len(signatures):
        raise RuntimeError(
            f"expected {len(signatures)} results from spectest-interp, found {len(found)}:\n"
            + output
        )
    answers = []
    for (match, stub), (k, signature) in zip(found, signatures, strict=True):
        if int(match.group(1)) != k:
            raise RuntimeError(f"results out of order (w{k} expected):\n{output}")
        text = match.group(3) or ""
        if text.startswith("error: "):
            message = str(StubCalled(stub)) if stub else text[len("error: ") :]
            kinds = [] if stub else trap_kinds(message, TRAP_RULES)
            answers.append({"status": "trap", "message": message, "kinds": kinds})
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
