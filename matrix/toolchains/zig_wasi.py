"""zig-wasi and zig-cc-wasi: Zig and C programs for WASI preview 1 (`-target wasm32-wasi`).

The same pinned zig as the freestanding builds (zig.py). Unlike the Debian toolchains,
zig builds its libraries from source for the target CPU: Zig's `std`, and for `zig cc`
the wasi-libc zig bundles (not Debian's), compiled once per CPU into zig's global cache.
So a profile reaches the whole module, libc included.

A command has `main` (`_start`); a reactor is built with `-mexec-model=reactor`
(`_initialize`) and exports what the program exports (`export fn`, or
`__attribute__((export_name))` in C).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..cases import ModuleSource
from .base import BuildFailed, BuildOutput, Toolchain
from .zig import _Zig, zig_exports

TARGET = "wasm32-wasi"
# The first build for a CPU compiles zig's std or wasi-libc for it: minutes on a busy machine.
LIBRARY_TIMEOUT = 1800

Steps = Iterator[tuple[list[str], dict[str, str]]]


class _ZigWasi(_Zig):
    """What both WASI zig toolchains share: the target, the entry, the recipe."""

    freestanding = False
    wasi = True
    timeout = LIBRARY_TIMEOUT
    recipe_flags: tuple[str, ...]  # what shapes the build besides the CPU

    def recipe(self, profile: str) -> str:
        return "\0".join([super().recipe(profile), TARGET, *self.recipe_flags])

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        if not source.entry:
            raise BuildFailed(f"{self.name} builds WASI programs (a case with `wasi:`)")

        def steps(name: str, stem: str, cpu: str | None) -> Steps:
            return self.steps(source, name, stem, [f"-mcpu={cpu}"] if cpu else [])

        return self._build(source, profile, f".{self.format}", steps)

    def steps(self, source: ModuleSource, name: str, stem: str, cpu: list[str]) -> Steps:
        """The zig argument lists (and files to write first) that build the program."""
        raise NotImplementedError


class ZigWasiToolchain(_ZigWasi):
    """Zig programs with `pub fn main` (command) or `export fn`s (reactor)."""

    name, format = "zig-wasi", "zig"
    recipe_flags = ("ReleaseSmall", "strip")

    def steps(self, source: ModuleSource, name: str, stem: str, cpu: list[str]) -> Steps:
        argv = ["build-exe", name, "-target", TARGET, *cpu]
        if source.entry == "reactor":
            argv += ["-mexec-model=reactor", *(f"--export={e}" for e in zig_exports(source))]
        argv += ["-O", "ReleaseSmall", "-fstrip", f"-femit-bin={stem}.wasm"]
        yield argv, {}


class ZigCcWasiToolchain(_ZigWasi):
    """C through `zig cc --target=wasm32-wasi`, with the wasi-libc zig bundles."""

    name, format = "zig-cc-wasi", "c"
    recipe_flags = ("-O2", "-s")

    def steps(self, source: ModuleSource, name: str, stem: str, cpu: list[str]) -> Steps:
        flags = [f"--target={TARGET}", "-O2", *cpu]
        if source.entry == "reactor":
            flags.append("-mexec-model=reactor")
        yield ["cc", *flags, "-c", name, "-o", f"{stem}.o"], {}
        yield ["cc", *flags, "-s", f"{stem}.o", "-o", f"{stem}.wasm"], {}


def toolchains() -> list[Toolchain]:
    return [ZigWasiToolchain(), ZigCcWasiToolchain()]
