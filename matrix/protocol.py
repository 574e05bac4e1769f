"""The host protocol's messages as types (engines/protocol.md, engines/protocol.schema.json).

One class per request (`Start`, `Run`, `Script`, `Stop`), each naming the class of its
answer (`Handshake`, `RunAnswer`, `ScriptAnswer`, `Stopped`), as Bowtie's `_commands.py`
does. A request becomes its JSON line with `to_wire(seq)`; an answer is read from the
host's JSON with `Answer.from_wire`. Nested answers (`CallAnswer`, `DirectiveAnswer`) are
typed too; values stay in their wire form (`{"type", "value"}`, see values.py).

Checked against the schema where they are made: a request when it is written, an answer
when it is read. Measured with bench/protocol.py (CPU time a cell): the typed messages
cost 0.008 ms more than plain dicts, and checking them with jsonschema 0.9 ms more, many
times the ~0.05 ms a cell's protocol handling may add. So checking is on where
correctness matters more than speed: in the project's own tests (tests/conftest.py) and
whenever `WASM_MATRIX_CHECK_PROTOCOL=1` is set; a message outside the schema is then a
ProtocolViolation, which the cell reports as `error`.
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
            wire=wire,
        )


@dataclass(slots=True)
class CallAnswer(Answer):
    """One call's answer inside a `run` answer: return, trap (with its kinds), exception,
    unsupported, reject (a function refused when first called), fault or error."""

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
class RunAnswer(Answer):
    """The answer to `run`: ran (with each call's answer), reject, valid, timeout or error."""

    definition = "run-answer"
    status: str = ""
    calls: tuple[CallAnswer, ...] = ()
    stage: str = ""  # reject: compile | instantiate
    message: str = ""

    @classmethod
    def _read(cls, wire: dict) -> RunAnswer:
        calls = wire.get("calls")
        return cls(
            status=str(wire.get("status", "")),
            calls=tuple(
                CallAnswer._read(call if isinstance(call, dict) else {"status": repr(call)})
                for call in (calls if isinstance(calls, list) else ())
            ),
            stage=str(wire.get("stage", "")),
            message=str(wire.get("message", "")),
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
        values = wire.get("values")
        return cls(
            status=str(wire.get("status", "")),
            values=tuple(values) if isinstance(values, list) else (),
            message=str(wire.get("message", "")),
            stage=str(wire.get("stage", "")),
            kinds=_kinds(wire),
            wire=wire,
        )


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

    def to_wire(self) -> dict:
        return {"invoke": self.name, "args": list(self.args)}


@dataclass(frozen=True)
class Limits:
    """What a host that can stop a module itself enforces (the runner kills the rest)."""

    seconds: float
    memory_bytes: int

    def to_wire(self) -> dict:
        return {"seconds": self.seconds, "memory_bytes": self.memory_bytes}


@dataclass(frozen=True)
class Run(Request):
    """Compile and instantiate a module, then make the calls on that one instance."""

    cmd = "run"
    answer = RunAnswer
    module: bytes = b""
    calls: tuple[Invoke, ...] = ()
    limits: Limits | None = None

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "module": base64.b64encode(self.module).decode("ascii"),
            "calls": [call.to_wire() for call in self.calls],
        }
        if self.limits is not None:
            fields["limits"] = self.limits.to_wire()
        return fields


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
