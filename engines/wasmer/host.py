"""wasm-matrix host for Wasmer, through the wasmer Python package (1.x) and a compiler."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasmer
from pyhost import (
    CallError,
    CallTrapped,
    Host,
    Reject,
    bits_to_python,
    check_arguments,
    first_line,
    python_to_wire,
    serve,
)

COMPILERS = {"cranelift": "wasmer_compiler_cranelift", "singlepass": "wasmer_compiler_singlepass"}
KINDS = {
    wasmer.Type.I32: "i32",
    wasmer.Type.I64: "i64",
    wasmer.Type.F32: "f32",
    wasmer.Type.F64: "f64",
}


class WasmerHost(Host):
    engine = "wasmer"

    def __init__(self, disabled: list[str], compiler: str = "cranelift"):
        super().__init__(disabled)
        self.compiler = compiler
        # The family name says the compiler: wasmer (Cranelift) or wasmer-singlepass.
        self.engine = "wasmer" if compiler == "cranelift" else f"wasmer-{compiler}"
        module = __import__(COMPILERS[compiler])
        self.store = wasmer.Store(wasmer.engine.Universal(module.Compiler))

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--compiler", choices=sorted(COMPILERS), default="cranelift")

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> WasmerHost:
        return cls(options.disable, options.compiler)

    def version(self) -> str:
        return package_version("wasmer")

    def features(self) -> dict[str, bool]:
        # wasmer-python 1.x has no API to set or read wasm features: nothing to report.
        return {}

    def run(self, module: bytes, calls: list[dict]) -> list[dict]:
        try:
            compiled = wasmer.Module(self.store, module)
        except RuntimeError as error:
            raise Reject("compile", first_line(str(error))) from None
        try:
            instance = wasmer.Instance(compiled)
        except RuntimeError as error:
            raise Reject("instantiate", first_line(str(error))) from None

        def invoke(name: str, args: list[dict]) -> list[dict]:
            try:
                function = getattr(instance.exports, name)
            except LookupError:
                raise CallError(f"no exported function named {name!r}") from None
            if not isinstance(function, wasmer.Function):
                raise CallError(f"{name} is not a function")
            params = [_kind(kind) for kind in function.type.params]
            kinds = [_kind(kind) for kind in function.type.results]
            check_arguments(name, params, args)
            try:
                result = function(*[bits_to_python(arg) for arg in args])
            except RuntimeError as error:  # wasmer-python raises every trap as RuntimeError
                raise CallTrapped(first_line(str(error))) from None
            results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
            return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

        return self.call_each(calls, invoke)


def _kind(kind: wasmer.Type) -> str:
    if kind not in KINDS:
        raise CallError(f"wasmer host cannot pass values of type {kind.name.lower()}")
    return KINDS[kind]


if __name__ == "__main__":
    serve(WasmerHost)
