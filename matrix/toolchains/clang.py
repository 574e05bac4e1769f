"""clang-14, -16, -19 and -22 (Debian `clang-NN lld-NN`): freestanding C to wasm32.

Each build compiles with `-c` and links with `wasm-ld-NN` itself. Letting clang link would
hand the module to `wasm-opt -O2` whenever binaryen is on PATH and `-O` is given, which
silently rewrites LLVM 19's overlong call_indirect index to `00`: the matrix must test
what the compiler emitted. The tools also run with a scrubbed PATH, for the same reason.

Programs are freestanding (`-nostdlib -ffreestanding`); exports are explicit
(`__attribute__((export_name("f")))`), and an undefined symbol is a build error. Without
bulk-memory, clang still calls memcpy/memset/memmove (for struct copies, loops it
recognises, `__builtin_mem*`), so every build links a small support file (SUPPORT_SOURCE,
weak definitions) that provides them.

The build command writes it out with a Python one-liner (`SUPPORT_COMMAND`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import debian
from ..cases import ModuleSource
from ..profiles import DEFAULT_PROFILE, FEATURES_BY_NAME, LOWERED_PROFILE, PROFILES
from . import wasm_opt
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain, run_tool

SUPPORT_NAME = "wasm-matrix-support.c"
SUPPORT_SOURCE = """\
/* wasm-matrix: memset/memcpy/memmove for freestanding wasm32 builds without bulk-memory.
   Weak, so a program's own definitions win; no_builtin, so clang cannot turn these very
   loops back into calls to themselves. */
typedef __SIZE_TYPE__ size_t;

__attribute__((weak, no_builtin)) void *memset(void *dest, int c, size_t n) {
    unsigned char *d = dest;
    while (n--) *d++ = (unsigned char)c;
    return dest;
}

__attribute__((weak, no_builtin)) void *memcpy(void *restrict dest, const void *restrict src,
                                               size_t n) {
    unsigned char *d = dest;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dest;
}

__attribute__((weak, no_builtin)) void *memmove(void *dest, const void *src, size_t n) {
    unsigned char *d = dest;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dest;
}
"""

SUPPORT_COMMAND = (
    "python -c 'import matrix.toolchains.clang as c; print(c.SUPPORT_SOURCE, end=\"\")'"
    f" > {SUPPORT_NAME}"
)
COMPILE_FLAGS = ("--target=wasm32", "-O2", "-nostdlib", "-ffreestanding")
LINK_FLAGS = ("--no-entry",)
TIMEOUT = 300  # seconds for one compiler or linker run


@dataclass(frozen=True)
class _Release:
    """What one clang major version can express (measured: `-m<feature>` it accepts)."""

    major: int
    llvm_features: frozenset[str]
    # LLVM 22 has a separate call-indirect-overlong feature; before, reference-types was it.
    separate_overlong: bool


_COMMON = frozenset(
    {
        "mutable-globals",
        "sign-ext",
        "nontrapping-fptoint",
        "multivalue",
        "bulk-memory",
        "reference-types",
        "simd128",
        "tail-call",
        "exception-handling",
        "atomics",
        "relaxed-simd",
    }
)
RELEASES: dict[int, _Release] = {
    14: _Release(14, _COMMON, False),
    16: _Release(16, _COMMON | {"extended-const"}, False),
    19: _Release(19, _COMMON | {"extended-const"}, False),
    22: _Release(22, _COMMON | {"extended-const", "gc", "call-indirect-overlong"}, True),
}


class ClangToolchain(Toolchain):
    format = "c"

    def __init__(self, major: int):
        self.release = RELEASES[major]
        self.name = f"clang-{major}"
        self.compiler = f"clang-{major}"
        self.linker = f"wasm-ld-{major}"
        self.debian_packages = (f"clang-{major}", f"lld-{major}")
        self.unpackable = True  # measured: runs from the cache (docs/engines.md)

    # -- availability --------------------------------------------------------------------

    def _which(self, program: str) -> str | None:
        unpacked = self.unpacked
        if unpacked is not None and (found := debian.program(unpacked, program)):
            return str(found)
        return shutil.which(program) or shutil.which(program, path=os.defpath)

    def unavailable_reason(self) -> str | None:
        missing = [tool for tool in (self.compiler, self.linker) if self._which(tool) is None]
        if missing:
            return (
                f"{' and '.join(missing)} not installed; get it with: apt-get install "
                f"{' '.join(self.debian_packages)} (or, without root, unpacked into the "
                "cache: wasm-matrix toolchains --provision)"
            )
        return None

    def provision(self, system: debian.SystemPackages, log=print) -> None:
        super().provision(system, log)
        if wasm_opt.unavailable_reason() is None:  # for `lowered`; cheap when already there
            wasm_opt.provision(log)

    @cached_property
    def _version(self) -> str:
        text = self._run_tool([self._tool(self.compiler), "--version"], Path.cwd()).stdout
        found = re.search(r"clang version (\d+\.\d+\.\d+)", text)
        if not found:
            raise BuildFailed(f"cannot read the version of {self.compiler}: {text[:200]!r}")
        return f"clang {found[1]} (LLVM {found[1]})"

    def version(self) -> str:
        return self._version

    def recipe(self, profile: str) -> str:
        lowering = " ".join(wasm_opt.LOWERING_FLAGS) if profile == LOWERED_PROFILE else ""
        flags = " ".join(self.profile_flags(profile)) if profile != LOWERED_PROFILE else ""
        return "\0".join([flags, lowering, SUPPORT_SOURCE, *COMPILE_FLAGS, *LINK_FLAGS])

    # -- profiles ------------------------------------------------------------------------

    def profile_flags(self, profile: str) -> list[str]:
        """The compiler flags for a profile; ProfileNotExpressible when there are none."""
        if profile in (DEFAULT_PROFILE, LOWERED_PROFILE):
            return []
        wanted = PROFILES[profile].features
        assert wanted is not None
        if "memory64" in wanted:
            raise ProfileNotExpressible(
                "memory64 is a different target (wasm64) and ABI, not a feature flag"
            )
        flags = ["-mcpu=mvp"]
        for name in sorted(wanted):
            if name == "call-indirect-overlong" and not self.release.separate_overlong:
                continue  # before LLVM 22 it comes with -mreference-types
            if name == "reference-types" and "call-indirect-overlong" not in wanted:
                # Measured: with reference-types on, every call_indirect table index is a
                # 5-byte LEB in every release (in 22 even with -mno-call-indirect-overlong).
                raise ProfileNotExpressible(
                    f"{self.compiler} cannot enable reference-types without encoding every "
                    "call_indirect table index in 5 bytes; that build is the "
                    "call-indirect-overlong profile"
                )
            llvm = FEATURES_BY_NAME[name].llvm
            if llvm is None or llvm not in self.release.llvm_features:
                raise ProfileNotExpressible(f"{self.compiler} has no flag for {name}")
            flags.append(f"-m{llvm}")
        return flags

    # -- building ------------------------------------------------------------------------

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        flags = self.profile_flags(profile)
        name = _file_name(source)
        stem = Path(name).stem
        support_stem = Path(SUPPORT_NAME).stem
        compiler, linker = self._tool(self.compiler), self._tool(self.linker)
        steps = [
            [compiler, *COMPILE_FLAGS, *flags, "-c", name, "-o", f"{stem}.o"],
            [compiler, *COMPILE_FLAGS, *flags, "-c", SUPPORT_NAME, "-o", f"{support_stem}.o"],
            [linker, *LINK_FLAGS, f"{stem}.o", f"{support_stem}.o", "-o", f"{stem}.wasm"],
        ]
        files = {name: source.content, SUPPORT_NAME: SUPPORT_SOURCE.encode()}
        return self._run_steps(steps, files, stem, profile, [SUPPORT_COMMAND])

    def _run_steps(
        self,
        steps: list[list[str]],
        files: dict[str, bytes],
        stem: str,
        profile: str,
        shown: list[str],
    ) -> BuildOutput:
        """Run the compile and link steps in a fresh folder holding `files`; `stem.wasm` is
        the module (lowered for `lowered`), `shown` the commands before the steps'."""
        shown = [*shown, *(" ".join([Path(step[0]).name, *step[1:]]) for step in steps)]
        with tempfile.TemporaryDirectory(prefix=f"wasm-matrix-{self.name}-") as folder:
            work = Path(folder)
            for file_name, content in files.items():
                (work / file_name).write_bytes(content)
            for step in steps:
                self._run_tool(step, work)
            module = wasm_opt.built_module(work, stem, profile, self._environment(), shown)
        return BuildOutput(module, " && ".join(shown))

    def _tool(self, program: str) -> str:
        found = self._which(program)
        if found is None:
            raise BuildFailed(self.unavailable_reason() or f"{program} not found")
        return found

    def _run_tool(self, argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
        return run_tool(argv, cwd, self._environment(), TIMEOUT)

    def _environment(self) -> dict[str, str]:
        # Only the system PATH: no binaryen that clang could run behind our back, no user
        # flags (CFLAGS, CPATH, ...) that would change the build without changing its cache
        # key. Unpacked, the unpacked programs and libraries come first.
        plain = {"PATH": os.defpath, "LANG": "C.UTF-8"}
        unpacked = self.unpacked
        return debian.unpacked_environment(unpacked, plain) if unpacked else plain


def _file_name(source: ModuleSource) -> str:
    # The origin is the file beside the case (e.g. "sort.c"); keep only a safe base name.
    base = Path(source.origin).name
    return base if re.fullmatch(r"[A-Za-z0-9_.+-]+\.c", base) else "program.c"


def toolchains() -> list[Toolchain]:
    return [ClangToolchain(major) for major in sorted(RELEASES)]
