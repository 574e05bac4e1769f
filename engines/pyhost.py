"""The protocol loop shared by every host that embeds an engine in Python.

Runs inside the engine's own environment (its venv), so it uses the standard library only.
An engine's host subclasses `Host` and overrides only what differs: how to describe itself,
how to compile, instantiate and call. See protocol.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path

from pywasi import WasiUnsupported


class Reject(Exception):
    """The engine refused the module; `stage` is compile or instantiate."""

    def __init__(self, stage: str, message: str):
        super().__init__(message)
        self.stage = stage


class CallTrapped(Exception):
    """The call trapped; the message is the engine's, `kinds` what the trap was in the
    shared vocabulary (protocol.md, "Trap kinds"): one, several the engine words alike, or
    none when it gives no kind."""

    def __init__(self, message: str, kinds: Iterable[str] = ()):
        super().__init__(message)
        self.kinds = list(dict.fromkeys(kinds))


class CallError(Exception):
    """The call could not be made (e.g. no such export)."""


class EngineFault(Exception):
    """The engine failed on the call in a way that is not a trap (an internal error): never
    reported as a trap."""


class CallThrew(Exception):
    """The call ended with an uncaught WebAssembly exception (`assert_exception`)."""


class Unsupported(Exception):
    """This host cannot pass or read a value of that type (the runner counts a skip)."""


class Interrupted(Exception):
    """The engine stopped the module at the time limit (wasmtime's epoch interruption)."""


class StubCalled(Exception):
    """A generated import was called (protocol.md, "Load"): the module needs its real host."""

    def __init__(self, where: str):
        super().__init__(f"called the import {where}, which the load cell only stubs")
        self.where = where


class CannotStub(Exception):
    """This engine's embedding cannot make an import of that type (the cell is a skip)."""


def stub_function(where: str):
    """A host function for a generated import: it raises StubCalled whenever it is called."""

    def stub(*_args):
        raise StubCalled(where)

    return stub


_STUB_TEXT = re.compile(r"called the import (.*?), which the load cell only stubs")


def stub_called(error: BaseException) -> StubCalled | None:
    """The StubCalled behind an engine's error, if a stub is what failed: engines wrap the
    exception a host function raises, or keep only its text (a traceback, even)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, StubCalled):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    found = _STUB_TEXT.search(str(error))
    return StubCalled(found.group(1)) if found else None


# The spec's `spectest` module (docs/spec.md), alike in every Python host: its print
# functions' parameter types and its globals' values (each host adds a table and a memory).
SPECTEST_PRINTS: dict[str, list[str]] = {
    "print": [],
    "print_i32": ["i32"],
    "print_i64": ["i64"],
    "print_f32": ["f32"],
    "print_f64": ["f64"],
    "print_i32_f32": ["i32", "f32"],
    "print_f64_f64": ["f64", "f64"],
}
SPECTEST_GLOBALS: dict[str, int | float] = {"i32": 666, "i64": 666, "f32": 666.6, "f64": 666.6}


def first_line(text: str) -> str:
    """An engine's message without the backtrace some engines append to it."""
    return text.strip().splitlines()[0].strip() if text.strip() else ""


class Host:
    engine = "unknown"
    language = "python"
    must_exit = False  # set when the engine can no longer be trusted (a Rust panic)
    note = ""  # what a load answer should add about how far the engine went
    script_run: ScriptRun | None = None  # the script in progress (`continue` goes on with it)

    def __init__(self, disabled: list[str]):
        self.disabled = disabled

    # Hosts with options of their own (e.g. which compiler) add them here.
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        pass

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> Host:
        return cls(options.disable)

    # What an engine's host provides.
    def version(self) -> str:
        raise NotImplementedError

    def features(self) -> dict[str, bool]:
        return {}

    def run(self, module: bytes, calls: list[dict]) -> list[dict]:
        """Compile and instantiate `module`, make `calls` on it; raise Reject if refused."""
        raise NotImplementedError

    # WASI preview 1 (protocol.md, "WASI"): a host whose engine has it sets `wasi = "native"`
    # and provides `run_wasi`; `wasi_missing` says why a version cannot.
    wasi: str | None = None
    wasi_missing = "this host has no WASI"

    def run_wasi(self, module: bytes, calls: list[dict], wasi: dict) -> tuple[list, dict]:
        """Like `run`, for a WASI program: the call answers and the `wasi` answer."""
        raise WasiUnsupported(self.wasi_missing)

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        """Compile `module`, instantiate it against a stub for every import it declares
        (engines/imports.py reads them), make `calls`; returns (stubs made, call answers).
        Raises Reject, StubCalled (instantiation called a stub) or CannotStub."""
        raise CannotStub(f"the {self.engine} host cannot make generated imports")

    # Scripts (protocol.md, "Scripts"). A host that can run them sets `scripts = True` and
    # provides these; `ScriptRun` keeps the names, the latest module and the order.
    scripts = False

    def script_store(self) -> object:
        """A fresh store with the `spectest` module in it, for one script."""
        raise NotImplementedError

    def script_compile(self, store: object, module: bytes) -> object:
        """The compiled module; raise Reject("compile", …) if refused."""
        raise NotImplementedError

    def script_instantiate(self, store: object, compiled: object) -> object:
        """A new instance, imports resolved from what is registered; raise Reject."""
        raise NotImplementedError

    def script_register(self, store: object, name: str, instance: object) -> None:
        raise NotImplementedError

    def script_invoke(self, store: object, instance: object, field: str, args: list) -> list:
        """Wire values out; raise CallTrapped, CallThrew, EngineFault, CallError, Unsupported."""
        raise NotImplementedError

    def script_get(self, store: object, instance: object, field: str) -> dict:
        raise NotImplementedError

    # Limits the runner asks for (`limits` in a run request); engines that can enforce them
    # themselves read these in `run`, the others leave it to the runner.
    limits: dict = {}  # noqa: RUF012 (replaced per request, never mutated)

    # The protocol.
    def handle(self, request: dict) -> dict:
        cmd = request.get("cmd")
        if cmd == "start":
            return {
                "engine": self.engine,
                "version": self.version(),
                "language": self.language,
                "language_version": platform.python_version(),
                "features": self.features(),
                "disabled": self.disabled,
                **({"script": True} if self.scripts else {}),
                **({"wasi": self.wasi} if self.wasi else {"wasi_missing": self.wasi_missing}),
            }
        if cmd == "run":
            module = base64.b64decode(request["module"])
            self.limits = request.get("limits") or {}
            try:
                if "wasi" in request:
                    calls, wasi = self.run_wasi(module, request.get("calls", []), request["wasi"])
                    return {"status": "ran", "calls": calls, "wasi": wasi}
                return {"status": "ran", "calls": self.run(module, request.get("calls", []))}
            except WasiUnsupported as unsupported:
                return {"status": "unsupported", "message": str(unsupported)}
            except Reject as reject:
                return {"status": "reject", "stage": reject.stage, "message": str(reject)}
            except Interrupted as interrupted:
                return {"status": "timeout", "message": str(interrupted)}
        if cmd == "load":
            return self._answer_load(request)
        if cmd == "script" and self.scripts:
            # `continue`: the same script's next directives, on the same store.
            if not (request.get("continue") and self.script_run is not None):
                self.script_run = ScriptRun(self)
            answers = self.script_run.run(request["directives"])
            # `exiting`: this host ends after this answer (its engine panicked).
            return {
                "status": "ran",
                "answers": answers,
                **({"exiting": True} if self.must_exit else {}),
            }
        if cmd == "stop":
            return {"status": "stopped"}
        return {"status": "error", "message": f"unknown command {cmd!r}"}

    def _answer_load(self, request: dict) -> dict:
        module = base64.b64decode(request["module"])
        self.limits = request.get("limits") or {}
        try:
            stubs, answers = self.load(module, request.get("calls", []))
        except (Reject, StubCalled) as error:
            called = stub_called(error)
            if called is not None:  # the start function called a stub: not the engine's fault
                return {
                    "status": "stub",
                    "stage": "instantiate",
                    "import": called.where,
                    "message": str(called),
                }
            return {"status": "reject", "stage": error.stage, "message": str(error)}
        except CannotStub as cannot:
            return {"status": "unsupported", "message": str(cannot)}
        except Interrupted as interrupted:
            return {"status": "timeout", "message": str(interrupted)}
        answer = {"status": "ran", "calls": answers, "imports": stubs}
        if self.note:
            answer["note"] = self.note
        return answer

    def call_each(self, calls: list[dict], invoke) -> list[dict]:
        """Make each call with `invoke(name, args) -> list of wire values`, in order."""
        answers = []
        for call in calls:
            try:
                values = invoke(call["invoke"], call.get("args", []))
                answers.append({"status": "return", "values": values})
            except Interrupted:
                raise  # the whole run is a timeout (handle() answers it)
            except Exception as error:
                answers.append(ending(error))
        return answers


def ending(error: Exception) -> dict:
    """The answer for a call or directive that did not return: what it was, by its class.
    Anything not listed is the host's own fault (an `error`), never a trap."""
    called = stub_called(error)
    if called is not None:  # a generated import was called (a load cell): the stub trapped
        return {"status": "trap", "message": str(called), "kinds": []}
    if isinstance(error, Reject):  # refused when reached (a lazily compiled function)
        return {"status": "reject", "stage": error.stage, "message": first_line(str(error))}
    if isinstance(error, CallTrapped):
        return {"status": "trap", "message": str(error), "kinds": error.kinds}
    if isinstance(error, CallThrew):
        return {"status": "exception", "message": str(error)}
    if isinstance(error, Unsupported):
        return {"status": "unsupported", "message": str(error)}
    if isinstance(error, EngineFault):
        return {"status": "fault", "message": str(error)}
    if isinstance(error, (CallError, KeyError)):
        return {"status": "error", "message": str(error)}
    where = traceback.extract_tb(error.__traceback__)[-1]
    return {
        "status": "error",
        "message": f"host error: {type(error).__name__}: {error} "
        f"(at {Path(where.filename).name}:{where.lineno})",
    }


class ScriptRun:
    """One script on one store: names, the latest instance, module definitions."""

    def __init__(self, host: Host):
        self.host = host
        self.store = host.script_store()
        self.instances: dict[str, object] = {}
        self.definitions: dict[str, object] = {}
        self.latest: object | None = None
        self.panic = ""
        # Modules this host could not instantiate (Unsupported): what uses them is
        # unsupported too, not an error of the script.
        self.unsupported: dict[str | None, str] = {}

    def run(self, directives: list[dict]) -> list[dict]:
        return [self.answer(directive) for directive in directives]

    def answer(self, directive: dict) -> dict:
        if self.panic:
            return {"status": "error", "message": f"not run: the engine panicked ({self.panic})"}
        try:
            return self._do(directive)
        except Exception as error:  # a host's bug on one directive is said; the script goes on
            return ending(error)
        except BaseException as error:
            # A Rust engine's panic surfaces through pyo3 as a BaseException; the process
            # lives on, so the directive fails with the panic's words and the script goes on.
            if type(error).__name__ != "PanicException":
                raise
            # Its locks may be poisoned now: the rest of the script is not run, and the host
            # ends after answering, so the next script gets a fresh one.
            self.panic = first_line(str(error))
            self.host.must_exit = True
            return {"status": "error", "message": f"the engine panicked: {self.panic}"}

    def _do(self, directive: dict) -> dict:
        host, store, kind = self.host, self.store, directive["do"]
        if kind == "module":
            compiled = host.script_compile(store, base64.b64decode(directive["module"]))
            name = directive.get("name")
            expect_failure = directive.get("expect_failure", False)
            if not directive.get("instantiate", True):
                if name and not expect_failure:
                    self.definitions[name] = compiled
                return {"status": "ok"}
            try:
                instance = host.script_instantiate(store, compiled)
            except Unsupported as unsupported:
                if not expect_failure:
                    self.unsupported[name] = self.unsupported[None] = str(unsupported)
                raise
            if not expect_failure:
                self.unsupported.pop(None, None)
                self.unsupported.pop(name, None)
                self._keep(instance, name)
            return {"status": "ok"}
        if kind == "instance":
            definition = self.definitions.get(directive.get("definition"))
            if definition is None:
                raise CallError(f"no module definition {directive.get('definition')!r}")
            self._keep(host.script_instantiate(store, definition), directive.get("name"))
            return {"status": "ok"}
        if kind == "register":
            host.script_register(store, directive["as"], self._instance(directive))
            return {"status": "ok"}
        if kind == "invoke":
            values = host.script_invoke(
                store, self._instance(directive), directive["field"], directive.get("args", [])
            )
            return {"status": "return", "values": values}
        if kind == "get":
            value = host.script_get(store, self._instance(directive), directive["field"])
            return {"status": "return", "values": [value]}
        return {"status": "error", "message": f"unknown directive {kind!r}"}

    def _keep(self, instance: object, name: str | None) -> None:
        self.latest = instance
        if name:
            self.instances[name] = instance

    def _instance(self, directive: dict) -> object:
        name = directive.get("module")
        if name in self.unsupported:
            raise Unsupported(
                f"its module could not be instantiated here: {self.unsupported[name]}"
            )
        if name is None:
            if self.latest is None:
                raise CallError("no module has been instantiated")
            return self.latest
        if name not in self.instances:
            raise CallError(f"no module named {name}")
        return self.instances[name]


def serve(host_class: type[Host]) -> None:
    parser = argparse.ArgumentParser(description=f"wasm-matrix host for {host_class.engine}")
    parser.add_argument("--disable", action="append", default=[], metavar="FEATURE")
    host_class.add_arguments(parser)
    options = parser.parse_args()
    # Keep the protocol channel for ourselves; whatever the engine prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    host = host_class.from_options(options)
    for line in sys.stdin:
        if not line.strip():
            continue
        request: dict = {}
        try:
            request = json.loads(line)
            answer = host.handle(request)
        except Exception:
            answer = {"status": "error", "message": traceback.format_exc()}
        answer["seq"] = request.get("seq")
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
        if request.get("cmd") == "stop" or getattr(host, "must_exit", False):
            return
