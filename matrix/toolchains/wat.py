"""`wat`: the WebAssembly text format, assembled by the wasmtime package (wasm-tools)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

from ..cases import ModuleSource
from ..profiles import DEFAULT_PROFILE
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain


class WatToolchain(Toolchain):
    name = "wat"
    format = "wat"

    def version(self) -> str:
        return _assembler_version()

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        if profile != DEFAULT_PROFILE:
            # Text says exactly which instructions it uses; there is nothing to target.
            raise ProfileNotExpressible("the text format has no target features to choose")
        import wasmtime

        try:
            module = bytes(wasmtime.wat2wasm(source.content.decode("utf-8")))
        except wasmtime.WasmtimeError as error:
            raise BuildFailed(str(error)) from None
        where = "the case's inline text" if source.origin == "inline" else source.origin
        return BuildOutput(module, f"wasmtime.wat2wasm({where})")


@cache
def _assembler_version() -> str:
    # Read once: looking a distribution's metadata up costs ~2 ms, and every cell asks.
    return f"wasmtime-py {version('wasmtime')}"
