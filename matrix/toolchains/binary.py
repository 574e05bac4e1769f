"""`binary`: the case gives the module's bytes (hex or a `.wasm` file); nothing to build.

This path exists because no text assembler writes the overlong encodings that real
toolchains emit (such as LLVM 19's 5-byte call_indirect table index).
"""

from __future__ import annotations

from ..cases import ModuleSource
from ..profiles import DEFAULT_PROFILE
from .base import BuildOutput, ProfileNotExpressible, Toolchain


class BinaryToolchain(Toolchain):
    name = "binary"
    format = "binary"

    def version(self) -> str:
        return "1"

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        if profile != DEFAULT_PROFILE:
            raise ProfileNotExpressible("a prebuilt binary cannot be rebuilt for a profile")
        where = "the case's hex bytes" if source.origin == "inline" else source.origin
        return BuildOutput(source.content, f"(none: {where} as given)")
