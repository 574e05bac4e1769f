"""The host protocol's messages as types (engines/protocol.md, engines/protocol.schema.json).

One class per request (`Start`, `Run`, `Load`, `Script`, `Stop`), each naming the class of
its answer (`Handshake`, `RunAnswer`, `LoadAnswer`, `ScriptAnswer`, `Stopped`), as
Bowtie's `_commands.py` does; `to_wire(seq)` writes a request, `Answer.from_wire` reads an
answer. Nested answers are typed too; values stay in their wire form (values.py).

Checked against the schema where they are made (a request when written, an answer when
read) in the project's own tests and whenever `WASM_MATRIX_CHECK_PROTOCOL=1` is set: a
message outside the schema is then a ProtocolViolation, which the cell reports as `error`.
Off otherwise: bench/protocol.py measured 0.9 ms of CPU a cell for the check (the typed
messages alone 0.008 ms), many times the ~0.05 ms a cell's protocol handling may add.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Self

import jsonschema

from .paths import engines_dir
from .wasi.grant import Wasi

SCHEMA_FILE = "protocol.schema.json"


class ProtocolViolation(Exception):
    """A message that does not fit the protocol's schema."""


@cache
def checking() -> bool:
    """Whether messages are checked against the schema (WASM_MATRIX_CHECK_PROTOCOL, read
    once per process, at the first message: reading the environment costs more per cell
    than the rest of a message's handling)."""
    return os.environ.get("WASM_MATRIX_CHECK_PROTOCOL", "") not in ("", "0")


@cache
def schema() -> dict:
    """The protocol's JSON Schema, itself checked once."""
    loaded = json.loads((engines_dir() / SCHEMA_FILE).read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


@cache
def _validator(definition: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**schema(), "$ref": f"#/$defs/{definition}"})


def check(definition: str, message: object) -> None:
    """Raise ProtocolViolation when `message` is not a `definition` of the schema."""
    error = jsonschema.exceptions.best_match(_validator(definition).iter_errors(message))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the message"
        raise ProtocolViolation(f"not a protocol {definition} ({where}: {error.message})")


# --- answers -------------------------------------------------------------------------


@dataclass(slots=True)
class Answer:
    """What a host said; `wire` keeps the JSON object as it came."""

    definition: ClassVar[str]  # its definition in the schema
    wire: dict = field(default_factory=dict, repr=False, compare=False, kw_only=True)

    @classmethod
    def from_wire(cls, wire: dict, check_schema: bool | None = None) -> Self:
        if checking() if check_schema is None else check_schema:
            check(cls.definition, wire)
        return cls._read(wire)

    @classmethod
    def _read(cls, wire: dict) -> Self:
        raise NotImplementedError


@dataclass(slots=True)
class Handshake(Answer):
    """The answer to `start`: who is speaking, its exact version, its switches."""

    definition = "handshake"
    engine: str = ""
    version: str = ""
    language: str = ""
    language_version: str = ""
    features: dict[str, bool] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()
    engine_version: str | None = None  # the engine inside a runtime (V8 in node)
    validator_only: bool = False
    script: bool = False  # the host runs `script` requests
    wasi: str | None = None  # WASI programs: "native" (the engine's own) or "shim" (ours)
    wasi_missing: str = ""  # why this host runs no WASI programs

    @classmethod
    def _read(cls, wire: dict) -> Handshake:
        return cls(
            engine=str(wire.get("engine", "")),
            version=str(wire.get("version", "")),
            language=str(wire.get("language", "")),
            language_version=str(wire.get("language_version", "")),
            features=dict(wire.get("features") or {}),
            disabled=tuple(wire.get("disabled") or ()),
            engine_version=wire.get("engine_version"),
            validator_only=bool(wire.get("validator_only")),
            script=bool(wire.get("script")),
            wasi=wire.get("wasi"),
            wasi_missing=str(wire.get("wasi_missing", "")),
            wire=wire,
        )


@dataclass(slots=True)
class CallAnswer(Answer):
    """One call's answer in a `run` answer (its statuses: protocol.md, "Answers to `run`")."""

    definition = "call-answer"
    status: str = ""
    values: tuple[dict, ...] = ()  # wire values (values.from_wire reads them)
    message: str = ""
    kinds: tuple[str, ...] = ()  # a trap's kinds (protocol.md, "Trap kinds")
    stage: str = ""  # reject: compile

    @classmethod
    def _read(cls, wire: dict) -> CallAnswer:
        values = wire.get("values")
        return cls(
            status=str(wire.get("status", "")),
            values=tuple(values) if isinstance(values, list) else (),
            message=str(wire.get("message", "")),
            kinds=_kinds(wire),
            stage=str(wire.get("stage", "")),
            wire=wire,
        )


def _kinds(wire: dict) -> tuple[str, ...]:
    kinds = wire.get("kinds")
    return tuple(str(kind) for kind in kinds) if isinstance(kinds, list) else ()


@dataclass(slots=True)
class WasiAnswer(Answer):
    """How a WASI program ended in a `run` answer (exit code or trap, output, folders)."""

    definition = "wasi-answer"
    exit_code: int | None = None  # proc_exit's code, 0 when _start returned
    trap: str | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    undecodable: str = ""  # why stdout or stderr could not be read (not base64)
    read_only: tuple[bool, ...] = ()
    files: tuple[dict, ...] | None = None  # a shim's preopens afterwards, as sent
    via: str = "native"  # or "shim": wasm-matrix's own WASI ran, not the engine's
    escaped: tuple[str, ...] = ()  # what the program left in the host's working folder
    host_fds: tuple[str, ...] = ()  # the host's own stdio the engine's WASI closed or replaced

    @classmethod
    def _read(cls, wire: dict) -> WasiAnswer:
        outputs, undecodable = [b"", b""], ""
        for index, name in enumerate(("stdout", "stderr")):
            try:
                outputs[index] = base64.b64decode(wire.get(name) or "", validate=True)
            except (ValueError, TypeError) as error:
                undecodable = f"{name} is not base64: {error}"
        files, code = wire.get("files"), wire.get("exit_code")
        return cls(
            exit_code=code if isinstance(code, int) else None,
            trap=None if wire.get("trap") is None else str(wire["trap"]),
            stdout=outputs[0],
            stderr=outputs[1],
            undecodable=undecodable,
            read_only=tuple(bool(flag) for flag in wire.get("read_only") or ()),
            files=tuple(files) if isinstance(files, list) else None,
            via=str(wire.get("via", "native")),
            escaped=tuple(str(path) for path in wire.get("escaped") or ()),
            host_fds=tuple(str(fd) for fd in wire.get("host_fds") or ()),
            wire=wire,
        )


@dataclass(slots=True)
class RunAnswer(Answer):
    """The answer to `run`: ran (calls, WASI ending), reject, valid, timeout, unsupported, error."""

    definition = "run-answer"
    status: str = ""
    calls: tuple[CallAnswer, ...] = ()
    stage: str = ""  # reject: compile | instantiate
    message: str = ""
    wasi: WasiAnswer | None = None

    @classmethod
    def _read(cls, wire: dict) -> RunAnswer:
        calls = wire.get("calls")
        wasi = wire.get("wasi")
        return cls(
            status=str(wire.get("status", "")),
            calls=tuple(
                CallAnswer._read(call if isinstance(call, dict) else {"status": repr(call)})
                for call in (calls if isinstance(calls, list) else ())
            ),
            stage=str(wire.get("stage", "")),
            message=str(wire.get("message", "")),
            wasi=WasiAnswer._read(wasi) if isinstance(wasi, dict) else None,
            wire=wire,
        )


@dataclass(slots=True)
class LoadAnswer(RunAnswer):
    """The answer to `load`: a `run` answer, or `stub` (the start function called a generated
    import) or `unsupported` (the host cannot make one of the module's imports)."""

    definition = "load-answer"
    imports: int | None = None  # how many imports the host generated
    note: str = ""  # how far the engine went, where that is less than it seems
    stub: str = ""  # `stub`: MODULE.NAME of the generated import the start function called

    @classmethod
    def _read(cls, wire: dict) -> LoadAnswer:
        ran = RunAnswer._read(wire)
        imports = wire.get("imports")
        return cls(
            status=ran.status,
            calls=ran.calls,
            stage=ran.stage,
            message=ran.message,
            imports=imports if isinstance(imports, int) else None,
            note=str(wire.get("note", "")),
            stub=str(wire.get("import", "")),
            wire=wire,
        )


@dataclass(slots=True)
class DirectiveAnswer(Answer):
    """One directive's answer inside a `script` answer."""

    definition = "directive-answer"
    status: str = ""
    values: tuple[dict, ...] = ()
    message: str = ""
    stage: str = ""
    kinds: tuple[str, ...] = ()  # a trap's kinds (protocol.md, "Trap kinds")

    @classmethod
    def _read(cls, wire: dict) -> DirectiveAnswer:
        read = CallAnswer._read(wire)  # the same fields, read the same way
        return cls(read.status, read.values, read.message, read.stage, read.kinds, wire=wire)


@dataclass(slots=True)
class ScriptAnswer(Answer):
    """The answer to `script`: one answer per directive, or the host's error."""

    definition = "script-answer"
    status: str = ""
    answers: tuple[DirectiveAnswer, ...] = ()
    exiting: bool = False  # the host ends after this answer (its engine panicked)
    message: str = ""

    @classmethod
    def _read(cls, wire: dict) -> ScriptAnswer:
        answers = wire.get("answers")
        return cls(
            status=str(wire.get("status", "")),
            answers=tuple(
                DirectiveAnswer._read(a if isinstance(a, dict) else {"status": repr(a)})
                for a in (answers if isinstance(answers, list) else ())
            ),
            exiting=bool(wire.get("exiting")),
            message=str(wire.get("message", "")),
            wire=wire,
        )


@dataclass(slots=True)
class Stopped(Answer):
    definition = "stop-answer"
    status: str = ""

    @classmethod
    def _read(cls, wire: dict) -> Stopped:
        return cls(status=str(wire.get("status", "")), wire=wire)


# --- requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    cmd: ClassVar[str]
    answer: ClassVar[type[Answer]]  # the class its answer is read into

    def fields(self) -> dict[str, Any]:
        return {}

    def to_wire(self, seq: int) -> dict:
        """The request as the JSON object a host reads, checked when checking is on."""
        wire = {"cmd": self.cmd, **self.fields(), "seq": seq}
        if checking():
            check("request", wire)
        return wire


@dataclass(frozen=True)
class Start(Request):
    """Load the engine and say who is speaking."""

    cmd = "start"
    answer = Handshake


@dataclass(frozen=True)
class Stop(Request):
    cmd = "stop"
    answer = Stopped


@dataclass(frozen=True)
class Invoke:
    """One call of a `run` request: an export's name and its arguments (wire values)."""

    name: str
    args: tuple[dict, ...] = ()
    results: tuple[str, ...] | None = None  # JS-API probes: the wasm types to read back

    def to_wire(self) -> dict:
        wire = {"invoke": self.name, "args": list(self.args)}
        return wire if self.results is None else {**wire, "results": list(self.results)}


@dataclass(frozen=True)
class Limits:
    """What a host that can stop a module itself enforces (the runner kills the rest)."""

    seconds: float
    memory_bytes: int

    def to_wire(self) -> dict:
        return {"seconds": self.seconds, "memory_bytes": self.memory_bytes}


@dataclass(frozen=True)
class Run(Request):
    """Compile and instantiate a module, make the calls on it (a WASI program runs first)."""

    cmd = "run"
    answer = RunAnswer
    module: bytes = b""
    calls: tuple[Invoke, ...] = ()
    limits: Limits | None = None
    js: str | None = None  # a JS-API probe's body (protocol.md, "JS-API probes")
    wasi: Wasi | None = None

    def fields(self) -> dict[str, Any]:
        given = {
            "limits": self.limits and self.limits.to_wire(),
            "js": self.js,
            "wasi": self.wasi and self.wasi.to_wire(),
        }
        return {
            "module": base64.b64encode(self.module).decode("ascii"),
            "calls": [call.to_wire() for call in self.calls],
            **{key: value for key, value in given.items() if value is not None},
        }


@dataclass(frozen=True)
class Load(Run):
    """Compile a shipped module, instantiate it against imports the host generates from
    the module's own import section (stubs of the declared types), then make the calls."""

    cmd = "load"
    answer = LoadAnswer


@dataclass(frozen=True)
class Script(Request):
    """Run directives of a `.wast` script on one store (`more`: the same script goes on)."""

    cmd = "script"
    answer = ScriptAnswer
    directives: tuple[dict, ...] = ()
    more: bool = False

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"directives": list(self.directives)}
        if self.more:
            fields["continue"] = True
        return fields
