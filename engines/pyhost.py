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
import struct
import sys
import traceback


class Reject(Exception):
    """The engine refused the module; `stage` is compile or instantiate."""

    def __init__(self, stage: str, message: str):
        super().__init__(message)
        self.stage = stage


class CallTrapped(Exception):
    """The call trapped; the message is the engine's."""


class CallError(Exception):
    """The call could not be made (e.g. no such export)."""


class Interrupted(Exception):
    """The engine stopped the module at the time limit (wasmtime's epoch interruption)."""


def bits_to_python(value: dict) -> int | float:
    """A wire value as the Python number an embedding API takes (signed ints, floats)."""
    kind, bits = value["type"], int(value["value"])
    if kind == "i32":
        return bits - (1 << 32) if bits >> 31 else bits
    if kind == "i64":
        return bits - (1 << 64) if bits >> 63 else bits
    if kind == "f32":
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    if kind == "f64":
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    raise CallError(f"values of type {kind} cannot be passed by this host")


def check_arguments(name: str, params: list[str], args: list[dict]) -> None:
    """The call's arguments must match the export's parameter types, one for one."""
    if len(params) != len(args):
        raise CallError(f"{name} takes {len(params)} arguments, {len(args)} given")
    for kind, arg in zip(params, args, strict=True):
        if kind != arg["type"]:
            raise CallError(f"{name} takes {kind}, the case gives {arg['type']}")


def python_to_wire(kind: str, number: int | float) -> dict:
    if kind == "i32":
        bits = number & 0xFFFFFFFF
    elif kind == "i64":
        bits = number & 0xFFFFFFFFFFFFFFFF
    elif kind == "f32":
        bits = struct.unpack("<I", struct.pack("<f", number))[0]
    elif kind == "f64":
        bits = struct.unpack("<Q", struct.pack("<d", number))[0]
    else:
        raise CallError(f"results of type {kind} cannot be read by this host")
    return {"type": kind, "value": str(bits)}


def first_line(text: str) -> str:
    """An engine's message without the backtrace some engines append to it."""
    return text.strip().splitlines()[0].strip() if text.strip() else ""


class Host:
    engine = "unknown"
    language = "python"

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
            }
        if cmd == "run":
            module = base64.b64decode(request["module"])
            self.limits = request.get("limits") or {}
            try:
                return {"status": "ran", "calls": self.run(module, request.get("calls", []))}
            except Reject as reject:
                return {"status": "reject", "stage": reject.stage, "message": str(reject)}
            except Interrupted as interrupted:
                return {"status": "timeout", "message": str(interrupted)}
        if cmd == "stop":
            return {"status": "stopped"}
        return {"status": "error", "message": f"unknown command {cmd!r}"}

    def call_each(self, calls: list[dict], invoke) -> list[dict]:
        """Make each call with `invoke(name, args) -> list of wire values`, in order."""
        answers = []
        for call in calls:
            try:
                values = invoke(call["invoke"], call.get("args", []))
                answers.append({"status": "return", "values": values})
            except CallTrapped as trap:
                answers.append({"status": "trap", "message": str(trap)})
            except CallError as error:
                answers.append({"status": "error", "message": str(error)})
        return answers


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
        if request.get("cmd") == "stop":
            return
