"""`prebuilt`: a module the project built itself (`module: ../build/*.wasm`); nothing to
build here. The matrix tests the very bytes the project ships."""

from __future__ import annotations

from ..cases import PREBUILT, ModuleSource
from ..profiles import DEFAULT_PROFILE
from .base import BuildOutput, ProfileNotExpressible, Toolchain


class PrebuiltToolchain(Toolchain):
    name = PREBUILT
    format = PREBUILT

    def version(self) -> str:
        return "1"

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        if profile != DEFAULT_PROFILE:
            raise ProfileNotExpressible("the project's own build chose its target features")
        return BuildOutput(source.content, f"(none: {source.origin} as built by the project)")
