"""clang-NN-wasi: C programs for WASI preview 1 with Debian's clang, wasi-libc and compiler-rt.

Debian's `wasi-libc` puts its headers in /usr/include/wasm32-wasi and its libraries in
/usr/lib/wasm32-wasi; `libclang-rt-NN-dev-wasm32` puts the builtins under
/usr/lib/llvm-NN/lib/clang/*/lib/wasi/. Each clang is given the target it calls WASI
preview 1 (clang 14 and 16 know only `wasm32-wasi`; 19 and 22 say `wasm32-wasip1`, and 22
calls `wasm32-wasi` deprecated), and those paths are named explicitly, because clang looks
for them under the target's own name.

As for freestanding builds, clang compiles with `-c` and wasm-ld-NN links (clang would hand
the module to a wasm-opt on PATH). A command links crt1-command.o (`_start` calls `main`);
a reactor links crt1-reactor.o (`_initialize`) with `--no-entry`.

Profiles apply to the program's code only: wasi-libc is Debian's prebuilt archive, built
for LLVM's `generic` CPU, so an `mvp` build may still use what libc's code uses. That is
what users of a prebuilt libc get; the module scanner reports what the module really uses.
"""

from __future__ import annotations

from pathlib import Path

from ..cases import ModuleSource
from .base import BuildFailed, BuildOutput
from .clang import RELEASES, ClangToolchain, _file_name

SYSROOT = Path("/usr")
WASI_INCLUDE = SYSROOT / "include" / "wasm32-wasi"
WASI_LIB = SYSROOT / "lib" / "wasm32-wasi"
COMPILE_FLAGS = ("-O2",)
CRT = {"command": "crt1-command.o", "reactor": "crt1-reactor.o"}


def target(major: int) -> str:
    """What this clang calls WASI preview 1 (wasm32-wasip1 is known from LLVM 19 on)."""
    return "wasm32-wasip1" if major >= 19 else "wasm32-wasi"


class ClangWasiToolchain(ClangToolchain):
    freestanding = False
    wasi = True

    def __init__(self, major: int):
        super().__init__(major)
        self.name = f"clang-{major}-wasi"
        self.target = target(major)
        self.debian_packages = (
            f"clang-{major}",
            f"lld-{major}",
            "wasi-libc",
            f"libclang-rt-{major}-dev-wasm32",
        )
        # Installed only: the flags name Debian's wasi-libc and compiler-rt under /usr.
        self.unpackable = False

    def builtins(self) -> Path | None:
        found = sorted(Path(f"/usr/lib/llvm-{self.release.major}/lib/clang").glob("*/lib/wasi"))
        archives = [folder / "libclang_rt.builtins-wasm32.a" for folder in found]
        return next((archive for archive in archives if archive.exists()), None)

    def unavailable_reason(self) -> str | None:
        missing = super().unavailable_reason()
        if missing:
            return missing
        packages = " ".join(self.debian_packages)
        how = f"apt-get install {packages} (or: wasm-matrix toolchains --system)"
        if not (WASI_LIB / "libc.a").exists():
            return f"Debian's wasi-libc is not installed; get it with: {how}"
        if self.builtins() is None:
            return f"compiler-rt for wasm32 is not installed; get it with: {how}"
        return None

    def recipe(self, profile: str) -> str:
        return "\0".join([super().recipe(profile), self.target, *COMPILE_FLAGS, "wasi-libc"])

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        flags = self.profile_flags(profile)
        if not source.entry:
            raise BuildFailed(f"{self.name} builds WASI programs (a case with `wasi:`)")
        builtins = self.builtins()
        if builtins is None:
            raise BuildFailed(self.unavailable_reason() or "no compiler-rt for wasm32")
        name = _file_name(source)
        stem = Path(name).stem
        compiler, linker = self._tool(self.compiler), self._tool(self.linker)
        compile_step = [
            compiler,
            f"--target={self.target}",
            f"--sysroot={SYSROOT}",
            "-isystem",
            str(WASI_INCLUDE),
            *COMPILE_FLAGS,
            *flags,
            "-c",
            name,
            "-o",
            f"{stem}.o",
        ]
        link_step = [
            linker,
            *(["--no-entry"] if source.entry == "reactor" else []),
            f"-L{WASI_LIB}",
            str(WASI_LIB / CRT[source.entry]),
            f"{stem}.o",
            "-lc",
            str(builtins),
            "-o",
            f"{stem}.wasm",
        ]
        return self._run_steps([compile_step, link_step], {name: source.content}, stem, profile, [])


def toolchains() -> list[ClangWasiToolchain]:
    return [ClangWasiToolchain(major) for major in sorted(RELEASES)]
