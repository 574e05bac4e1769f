"""Toolchains: what turns a case's source into a `.wasm` module."""

from __future__ import annotations

from functools import cache

from . import clang, rust, zig
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain
from .binary import BinaryToolchain
from .package import PackageToolchain
from .prebuilt import PrebuiltToolchain
from .wat import WatToolchain

__all__ = [
    "BuildFailed",
    "BuildOutput",
    "ProfileNotExpressible",
    "Toolchain",
    "all_toolchains",
    "toolchains_for",
]


def all_toolchains() -> dict[str, Toolchain]:
    return dict(_registry())


@cache
def _registry() -> dict[str, Toolchain]:
    # One instance each per process: they remember their versions once looked up.
    toolchains: list[Toolchain] = [
        WatToolchain(),
        BinaryToolchain(),
        PrebuiltToolchain(),
        PackageToolchain(),
        *clang.toolchains(),
        *rust.toolchains(),
        *zig.toolchains(),
    ]
    return {toolchain.name: toolchain for toolchain in toolchains}


def toolchains_for(source_format: str) -> list[str]:
    """The toolchains that can build a module source of this format."""
    return [name for name, tc in all_toolchains().items() if tc.format == source_format]
