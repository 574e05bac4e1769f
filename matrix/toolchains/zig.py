"""zig (PyPI `ziglang`, pinned): `.zig` sources (`zig`) and C through `zig cc` (`zig-cc`).

zig lives in its own virtual environment under `cache_dir()/toolchains/` and runs as
`python -m ziglang`. Its global cache is `cache_dir()/toolchains/zig-cache` (compiler_rt is
built there once per CPU); the local cache stays in each build's temporary folder.

Profiles map to `-mcpu=`: zig spells LLVM's features with underscores and adds them to a
CPU model (`-mcpu=mvp+sign_ext+multivalue`). Its wasm32 default CPU is `lime1`
(sign-ext, mutable-globals, nontrapping-fptoint, bulk-memory-opt, multivalue, extended-const,
call-indirect-overlong): the default build encodes every call_indirect table index in 5 bytes.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from ..cases import ModuleSource
from ..debian import SystemPackages
from ..install import locked, pip_venv, venv_python
from ..paths import cache_dir
from ..profiles import DEFAULT_PROFILE, FEATURES_BY_NAME, LOWERED_PROFILE, PROFILES
from . import wasm_opt
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain, run_tool
from .clang import SUPPORT_NAME, SUPPORT_SOURCE

ZIG_VERSION = "0.17.1"  # the PyPI `ziglang` release; part of every build's cache key
TARGET = "wasm32-freestanding"
TIMEOUT = 300  # seconds for one zig run
# LLVM features zig 0.17 knows for wasm (from `zig targets`), in LLVM's spelling.
ZIG_FEATURES = frozenset(
    {
        "atomics",
        "bulk-memory",
        "call-indirect-overlong",
        "exception-handling",
        "extended-const",
        "gc",
        "multimemory",
        "multivalue",
        "mutable-globals",
        "nontrapping-fptoint",
        "reference-types",
        "relaxed-simd",
        "sign-ext",
        "simd128",
        "tail-call",
    }
)
# The matrix's names where LLVM's differ.
_LLVM_NAMES = {"multi-memory": "multimemory"}


def folder() -> Path:
    return cache_dir() / "toolchains" / f"zig-{ZIG_VERSION}"


def global_cache() -> Path:
    return cache_dir() / "toolchains" / "zig-cache"


def python() -> Path:
    return venv_python(folder())


def zig_binary() -> Path | None:
    """The zig executable the package ships (for the command a person can paste)."""
    found = sorted(folder().glob("lib/python*/site-packages/ziglang/zig"))
    return found[0] if found else None


def mcpu(profile: str) -> str | None:
    """The `-mcpu=` value for a profile (None: zig's default); ProfileNotExpressible if none."""
    if profile in (DEFAULT_PROFILE, LOWERED_PROFILE):
        return None
    wanted = PROFILES[profile].features
    assert wanted is not None
    parts = ["mvp"]
    for name in sorted(wanted):
        llvm = _LLVM_NAMES.get(name, FEATURES_BY_NAME[name].llvm)
        if llvm is None or llvm not in ZIG_FEATURES:
            raise ProfileNotExpressible(f"zig has no wasm32 CPU feature for {name}")
        if name == "reference-types" and "call-indirect-overlong" not in wanted:
            # Measured (LLVM 22): reference_types always brings the 5-byte table index, even
            # with -call_indirect_overlong; that is the call-indirect-overlong profile.
            raise ProfileNotExpressible(
                "zig encodes every call_indirect table index in 5 bytes once reference_types "
                "is on: that is the call-indirect-overlong profile"
            )
        parts.append(llvm.replace("-", "_"))
    return "+".join(parts)


class _Zig(Toolchain):
    """What both zig toolchains share: the pinned install, its version, running it."""

    timeout: float = TIMEOUT  # seconds for one zig run

    def unavailable_reason(self) -> str | None:
        if not python().exists() or zig_binary() is None:
            return (
                f"zig {ZIG_VERSION} is not provisioned; get it with: wasm-matrix toolchains "
                f"--system (pip install ziglang=={ZIG_VERSION} into {folder()})"
            )
        return None

    def provision(self, system: SystemPackages, log=print) -> None:
        target = folder()
        target.parent.mkdir(parents=True, exist_ok=True)
        with locked(target.with_name(target.name + ".lock")):
            if self.unavailable_reason() is not None:
                log(f"provisioning zig-{ZIG_VERSION}: pip install ziglang=={ZIG_VERSION}")
                pip_venv(target, [f"ziglang=={ZIG_VERSION}"])
        if wasm_opt.unavailable_reason() is None:  # for `lowered`
            wasm_opt.provision(log)

    def version(self) -> str:
        return _version(str(python()))

    def recipe(self, profile: str) -> str:
        lowering = " ".join(wasm_opt.LOWERING_FLAGS) if profile == LOWERED_PROFILE else ""
        cpu = mcpu(profile) if profile != LOWERED_PROFILE else None
        return "\0".join([str(cpu), lowering, SUPPORT_SOURCE])

    def _build(self, source: ModuleSource, profile: str, suffix: str, steps) -> BuildOutput:
        """Run `steps(name, stem, cpu)` -> zig argument lists in a fresh folder."""
        cpu = mcpu(profile)
        reason = self.unavailable_reason()
        if reason:
            raise BuildFailed(reason)
        name = _file_name(source, suffix)
        stem = Path(name).stem
        # The command names the package's binary: `python -m ziglang` runs exactly it.
        zig = str(zig_binary())
        shown: list[str] = []
        with tempfile.TemporaryDirectory(prefix=f"wasm-matrix-{self.name}-") as tmp:
            work = Path(tmp)
            (work / name).write_bytes(source.content)
            for step, extra_files in steps(name, stem, cpu):
                for file_name, text in extra_files.items():
                    (work / file_name).write_text(text, "utf-8")
                shown.append(" ".join([zig, *step]))
                _run_zig(step, work, self.timeout)
            module = wasm_opt.built_module(work, stem, profile, _environment(work), shown)
        return BuildOutput(module, " && ".join(shown))


class ZigToolchain(_Zig):
    """`.zig` sources: `export fn`s, built as a freestanding executable without an entry."""

    name = "zig"
    format = "zig"

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        exports = zig_exports(source)

        def steps(name: str, stem: str, cpu: str | None):
            argv = ["build-exe", name, "-target", TARGET]
            if cpu:
                argv.append(f"-mcpu={cpu}")
            # --export per `export fn` (as zig's docs show), not -rdynamic: that would also
            # export __stack_pointer, a mutable global, and so need mutable-globals.
            argv += ["-fno-entry", *(f"--export={e}" for e in exports)]
            argv += ["-O", "ReleaseSmall", f"-femit-bin={stem}.wasm"]
            yield argv, {}

        return self._build(source, profile, ".zig", steps)


class ZigCcToolchain(_Zig):
    """C through `zig cc`, compiled with `-c` and linked by `zig cc` (zig's own lld)."""

    name = "zig-cc"
    format = "c"

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        def steps(name: str, stem: str, cpu: str | None):
            flags = [f"--target={TARGET}", "-O2", "-nostdlib", "-ffreestanding"]
            if cpu:
                flags.append(f"-mcpu={cpu}")
            support = Path(SUPPORT_NAME).stem
            # The same memset/memcpy/memmove the clang builds link (weak; see clang.py).
            yield ["cc", *flags, "-c", name, "-o", f"{stem}.o"], {}
            yield (
                ["cc", *flags, "-c", SUPPORT_NAME, "-o", f"{support}.o"],
                {SUPPORT_NAME: SUPPORT_SOURCE},
            )
            link = ["cc", *flags, "-Wl,--no-entry", f"{stem}.o", f"{support}.o"]
            yield [*link, "-o", f"{stem}.wasm"], {}

        output = self._build(source, profile, ".c", steps)
        fetch = f"python -m matrix.toolchains.clang --support-source > {SUPPORT_NAME}"
        return BuildOutput(output.module, f"{fetch} && {output.command}")


@cache
def _version(python_path: str) -> str:
    """ "zig 0.17.1 (LLVM 22.1.8)": zig's own version and that of the clang it embeds."""
    with tempfile.TemporaryDirectory(prefix="wasm-matrix-zig-") as tmp:
        zig = _run_zig(["version"], Path(tmp)).stdout.strip()
        clang = _run_zig(["cc", "--version"], Path(tmp)).stdout
    found = re.search(r"clang version (\d+\.\d+\.\d+)", clang)
    return f"zig {zig} (LLVM {found[1] if found else '?'})"


def _run_zig(argv: list[str], cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return run_tool(
        [str(python()), "-m", "ziglang", *argv], cwd, _environment(cwd), timeout, f"zig {argv[0]}"
    )


def _environment(work: Path) -> dict[str, str]:
    # No user flags (CFLAGS, ZIG_* ...) that would change a build without changing its key;
    # the global cache is shared and kept, the local one dies with the build folder.
    return {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "ZIG_GLOBAL_CACHE_DIR": str(global_cache()),
        "ZIG_LOCAL_CACHE_DIR": str(work / ".zig-cache"),
    }


def zig_exports(source: ModuleSource) -> list[str]:
    """The names of a Zig source's `export fn`s (each needs its own `--export=`)."""
    found = re.findall(rb"^\s*(?:pub\s+)?export\s+fn\s+([A-Za-z_]\w*)", source.content, re.M)
    return [name.decode() for name in found]


def _file_name(source: ModuleSource, suffix: str) -> str:
    # The origin is the file beside the case (e.g. "sort.zig"); keep only a safe base name.
    base = Path(source.origin).name
    pattern = r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*" + re.escape(suffix)
    return base if re.fullmatch(pattern, base) else f"program{suffix}"


def toolchains() -> list[Toolchain]:
    return [ZigToolchain(), ZigCcToolchain()]
