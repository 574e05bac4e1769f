"""Toolchains: what turns a case's source into a `.wasm` module."""

from __future__ import annotations

from functools import cache

from ..cases import ModuleSource
from . import clang, clang_wasi, emcc, link, rust, rust_wasi, zig, zig_wasi
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
        *clang_wasi.toolchains(),
        *emcc.toolchains(),
        *rust.toolchains(),
        *rust_wasi.toolchains(),
        *zig.toolchains(),
        *zig_wasi.toolchains(),
        *link.toolchains(),
    ]
    return {toolchain.name: toolchain for toolchain in toolchains}


def toolchains_for(source: ModuleSource) -> list[str]:
    """The toolchains that can build this module source (its language; freestanding or WASI)."""
    return [name for name, toolchain in _registry().items() if toolchain.builds(source)]
