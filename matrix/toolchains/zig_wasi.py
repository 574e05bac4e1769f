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

import re

from ..cases import ModuleSource
from .base import BuildFailed, BuildOutput, Toolchain
from .zig import _Zig

TARGET = "wasm32-wasi"
# The first build for a CPU compiles zig's std or wasi-libc for it: minutes on a busy machine.
LIBRARY_TIMEOUT = 1800


def _entry(source: ModuleSource, name: str) -> str:
    if not source.entry:
        raise BuildFailed(f"{name} builds WASI programs (a case with `wasi:`)")
    return source.entry


class ZigWasiToolchain(_Zig):
    """Zig programs with `pub fn main` (command) or `export fn`s (reactor)."""

    name = "zig-wasi"
    format = "zig"
    freestanding = False
    wasi = True
    timeout = LIBRARY_TIMEOUT

    def recipe(self, profile: str) -> str:
        return f"{super().recipe(profile)}\0{TARGET}\0ReleaseSmall\0strip"

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        entry = _entry(source, self.name)
        exports = re.findall(rb"^\s*(?:pub\s+)?export\s+fn\s+([A-Za-z_]\w*)", source.content, re.M)

        def steps(name: str, stem: str, cpu: str | None):
            argv = ["build-exe", name, "-target", TARGET]
            if cpu:
                argv.append(f"-mcpu={cpu}")
            if entry == "reactor":
                argv += ["-mexec-model=reactor", *(f"--export={e.decode()}" for e in exports)]
            argv += ["-O", "ReleaseSmall", "-fstrip", f"-femit-bin={stem}.wasm"]
            yield argv, {}

        return self._build(source, profile, ".zig", steps)


class ZigCcWasiToolchain(_Zig):
    """C through `zig cc --target=wasm32-wasi`, with the wasi-libc zig bundles."""

    name = "zig-cc-wasi"
    format = "c"
    freestanding = False
    wasi = True
    timeout = LIBRARY_TIMEOUT

    def recipe(self, profile: str) -> str:
        return f"{super().recipe(profile)}\0{TARGET}\0-O2\0-s"

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        entry = _entry(source, self.name)

        def steps(name: str, stem: str, cpu: str | None):
            flags = [f"--target={TARGET}", "-O2"]
            if cpu:
                flags.append(f"-mcpu={cpu}")
            if entry == "reactor":
                flags.append("-mexec-model=reactor")
            yield ["cc", *flags, "-c", name, "-o", f"{stem}.o"], {}
            yield ["cc", *flags, "-s", f"{stem}.o", "-o", f"{stem}.wasm"], {}

        return self._build(source, profile, ".c", steps)


def toolchains() -> list[Toolchain]:
    return [ZigWasiToolchain(), ZigCcWasiToolchain()]
