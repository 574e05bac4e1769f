"""rustc 1.63 (Debian `rustc`, LLVM 14) and rustc 1.96 (Debian `rustc-web`, LLVM 22).

Both build `#![no_std]` cdylibs for wasm32-unknown-unknown (`#[no_mangle] pub extern "C"`
functions, a `#[panic_handler]`), so the same source builds with both:

* `rustc-1.63`: `/usr/bin/rustc` with the packaged wasm32 libraries
  (`libstd-rust-dev-wasm32`), always called by its full path: a rustup `rustc` may come
  first on PATH. It links with `rust-lld` (Debian's link to lld-14). Without root, the
  same packages unpacked into the cache, called there by full path.
* `rustc-1.96`: `rustc-web` conflicts with Debian's `rustc`, so its packages are fetched
  with `apt-get download` and unpacked (`dpkg-deb -x`) into `cache_dir()/toolchains/`;
  its runtime needs (libllvm22; lld-22 to link) are ordinary packages. No wasm32 library is
  packaged: `core` and `compiler_builtins` are built from `rust-web-src` with
  `RUSTC_BOOTSTRAP=1`, once per set of codegen flags (features compiled into core must be
  the profile's too), into a sysroot under `cache_dir()/toolchains/`.

Profiles map to `-C target-cpu=mvp -C target-feature=+…` (default: no flag, `lowered`: the
default build through wasm-opt's lowering). Measured: with reference-types on, LLVM 14
already encodes every call_indirect table index in 5 bytes, as LLVM 22 does.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .. import debian
from ..cases import ModuleSource
from ..debian import SystemPackages, obtain
from ..install import ProvisionError, apt_unpack, dpkg_installed, locked
from ..paths import cache_dir
from ..profiles import DEFAULT_PROFILE, FEATURES_BY_NAME, LOWERED_PROFILE, PROFILES
from . import wasm_opt
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain, run_tool

TARGET = "wasm32-unknown-unknown"
BASE_FLAGS = ("--edition", "2021", "--target", TARGET, "--crate-type", "cdylib")
CODEGEN = ("-C", "opt-level=2", "-C", "panic=abort")
TIMEOUT = 600  # seconds for one rustc run (building core takes ~25 s)

_COMMON = frozenset(
    {
        "sign-ext",
        "nontrapping-fptoint",
        "multivalue",
        "bulk-memory",
        "reference-types",
        "simd128",
        "tail-call",
        "mutable-globals",
        "atomics",
        "exception-handling",
        "relaxed-simd",
    }
)
# LLVM 14 ignores extended-const, multimemory and gc ("not a recognized feature"): measured.
LLVM14_FEATURES = _COMMON
LLVM22_FEATURES = _COMMON | {"extended-const", "gc", "multimemory", "call-indirect-overlong"}
_LLVM_NAMES = {"multi-memory": "multimemory"}

WEB_PACKAGES = ("rustc-web", "libstd-rust-web-1.96", "rust-web-src")  # unpacked, not installed


def codegen_flags(profile: str, features: frozenset[str], rustc: str) -> list[str]:
    """The `-C` flags of a profile; ProfileNotExpressible when this rustc has none."""
    if profile in (DEFAULT_PROFILE, LOWERED_PROFILE):
        return []
    wanted = PROFILES[profile].features
    assert wanted is not None
    if "memory64" in wanted:
        raise ProfileNotExpressible("memory64 is another target (wasm64), not a feature flag")
    enabled: list[str] = []
    for name in sorted(wanted):
        llvm = _LLVM_NAMES.get(name, FEATURES_BY_NAME[name].llvm)
        if llvm is None or llvm not in features:
            raise ProfileNotExpressible(f"{rustc} (its LLVM) has no target feature for {name}")
        if name == "reference-types" and "call-indirect-overlong" not in wanted:
            raise ProfileNotExpressible(
                f"{rustc} encodes every call_indirect table index in 5 bytes once "
                "reference-types is on: that is the call-indirect-overlong profile"
            )
        if llvm == "call-indirect-overlong" and "call-indirect-overlong" not in features:
            continue
        enabled.append(f"+{llvm}")
    flags = ["-C", "target-cpu=mvp"]
    if enabled:
        flags += ["-C", "target-feature=" + ",".join(enabled)]
    return flags


class _Rustc(Toolchain):
    format = "rust"
    llvm_features: frozenset[str]
    codegen: tuple[str, ...] = CODEGEN

    def rustc(self) -> str: ...

    def environment(self) -> dict[str, str]:
        return {"PATH": os.defpath, "LANG": "C.UTF-8"}

    def version(self) -> str:
        return _version(self.rustc(), tuple(sorted(self.environment().items())))

    def recipe(self, profile: str) -> str:
        lowering = " ".join(wasm_opt.LOWERING_FLAGS) if profile == LOWERED_PROFILE else ""
        return "\0".join([*BASE_FLAGS, *self.codegen, lowering])

    def base_flags(self, source: ModuleSource) -> list[str]:
        """Edition, target and crate type; BuildFailed for a source of the wrong kind."""
        return list(BASE_FLAGS)

    def extra_flags(self, flags: list[str], log=print) -> tuple[list[str], list[str]]:
        """Flags this rustc adds for a profile, and the commands that prepared them."""
        return [], []

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        flags = codegen_flags(profile, self.llvm_features, f"rustc {self.name[6:]}")
        base = self.base_flags(source)
        reason = self.unavailable_reason()
        if reason:
            raise BuildFailed(reason)
        extra, prepared = self.extra_flags(flags)
        name = _file_name(source)
        stem = Path(name).stem
        argv = [self.rustc(), *base, *self.codegen, *flags, *extra, name, "-o", f"{stem}.wasm"]
        shown = [*prepared, self.shown(argv)]
        with tempfile.TemporaryDirectory(prefix=f"wasm-matrix-{self.name}-") as tmp:
            work = Path(tmp)
            (work / name).write_bytes(source.content)
            _run_tool(argv, work, self.environment())
            module = wasm_opt.built_module(work, stem, profile, self.environment(), shown)
        return BuildOutput(module, " && ".join(shown))

    def shown(self, argv: list[str]) -> str:
        return shlex.join(argv)

    def provision(self, system: SystemPackages, log=print) -> None:
        super().provision(system, log)
        if wasm_opt.unavailable_reason() is None:  # for `lowered`
            wasm_opt.provision(log)


class Rustc163(_Rustc):
    name = "rustc-1.63"
    llvm_features = LLVM14_FEATURES
    debian_packages = ("rustc", "libstd-rust-dev-wasm32", "lld-14")
    # Unpacked, rustc finds its sysroot (usr/lib/rustlib) beside itself, and rust-lld is a
    # relative link to lld-14 there too.
    unpackable = True

    @property
    def _root(self) -> Path:
        """Where Debian's rustc is: the system, or its packages unpacked into the cache."""
        return self.unpacked or Path("/")

    def rustc(self) -> str:
        return str(self._root / "usr/bin/rustc")

    def environment(self) -> dict[str, str]:
        unpacked = self.unpacked
        plain = super().environment()
        return debian.unpacked_environment(unpacked, plain) if unpacked else plain

    def unavailable_reason(self) -> str | None:
        how = (
            f"get it with: apt-get install {' '.join(self.debian_packages)} "
            "(or, without root, unpacked into the cache: wasm-matrix toolchains --provision)"
        )
        if not Path(self.rustc()).exists():
            return f"Debian's rustc is not installed; {how}"
        if not (self._root / f"usr/lib/rustlib/{TARGET}/lib").is_dir():
            return f"the wasm32 libraries for {self.rustc()} are not installed; {how}"
        try:
            found = self.version()
        except BuildFailed as error:  # there, but it does not run: the run goes on
            return f"{self.rustc()} does not run ({error}); {how}"
        if not found.startswith("rustc 1.63."):
            return f"{self.rustc()} is {found}, not 1.63"
        return None


@dataclass(frozen=True)
class _Web:
    """Where the unpacked rustc-web lives."""

    root: Path

    @property
    def rustc(self) -> Path:
        return self.root / "usr" / "bin" / "rustc"

    @property
    def libraries(self) -> Path:
        return self.root / "usr" / "lib" / "x86_64-linux-gnu"

    @property
    def library_source(self) -> Path:
        found = sorted((self.root / "usr" / "src").glob("rustc-*/library"))
        return found[-1] if found else self.root / "usr" / "src" / "rustc" / "library"


class Rustc196(_Rustc):
    name = "rustc-1.96"
    llvm_features = LLVM22_FEATURES
    # What the unpacked rustc needs from the system (the rest is unpacked by provision()).
    debian_packages = ("libllvm22", "lld-22")
    linker = "wasm-ld-22"

    def __init__(self) -> None:
        self.web = _Web(cache_dir() / "toolchains" / "rustc-web-1.96")

    def rustc(self) -> str:
        return str(self.web.rustc)

    unpackable = True  # libllvm22 and lld-22, unpacked beside rustc-web when not installed

    def environment(self) -> dict[str, str]:
        plain = {**super().environment(), "LD_LIBRARY_PATH": str(self.web.libraries)}
        unpacked = self.unpacked
        return debian.unpacked_environment(unpacked, plain) if unpacked else plain

    def unavailable_reason(self) -> str | None:
        how = "get it with: wasm-matrix toolchains --provision"
        if not self.web.rustc.exists() or not (self.web.library_source / "core").is_dir():
            return f"rustc-web 1.96 is not unpacked in {self.web.root}; {how}"
        if shutil.which(self.linker, path=self.environment()["PATH"]) is None:
            return f"{self.linker} is not installed; apt-get install lld-22 (or: {how})"
        try:
            found = self.version()
        except BuildFailed as error:
            return f"the unpacked rustc-web does not run ({error}); {how}"
        if not found.startswith("rustc 1.96."):
            return f"the unpacked rustc-web is {found}, not 1.96"
        return None

    def provision(self, system: SystemPackages, log=print) -> None:
        missing = [p for p in self.debian_packages if not dpkg_installed(p)]
        if missing and system is not SystemPackages.OFF:
            obtain(list(self.debian_packages), self.unpack_root, system, log)
        root = self.web.root
        root.parent.mkdir(parents=True, exist_ok=True)
        with locked(root.with_name(root.name + ".lock")):
            if not self.web.rustc.exists():
                log(f"provisioning rustc-web 1.96: {' '.join(WEB_PACKAGES)}, unpacked")
                apt_unpack(list(WEB_PACKAGES), root, log)
        if self.unavailable_reason() is not None and system is SystemPackages.OFF and missing:
            raise ProvisionError(
                f"needs Debian packages {' '.join(missing)} (without --no-system-packages, "
                "as root they are installed, otherwise unpacked into the cache)"
            )
        if wasm_opt.unavailable_reason() is None:
            wasm_opt.provision(log)

    def extra_flags(self, flags: list[str], log=print) -> tuple[list[str], list[str]]:
        sysroot, commands = self.sysroot(flags, log)
        return ["--sysroot", str(sysroot), "-C", f"linker={self.linker}"], commands

    def shown(self, argv: list[str]) -> str:
        libraries = self.environment()["LD_LIBRARY_PATH"]
        return f"LD_LIBRARY_PATH={shlex.quote(libraries)} {shlex.join(argv)}"

    def sysroot(self, flags: list[str], log=print) -> tuple[Path, list[str]]:
        """A sysroot with core and compiler_builtins built with `flags`; built once."""
        key = hashlib.sha256(" ".join([self.version(), *flags]).encode()).hexdigest()[:16]
        root = cache_dir() / "toolchains" / f"rustc-web-1.96-sysroot-{key}"
        lib = root / "lib" / "rustlib" / TARGET / "lib"
        steps = self._sysroot_steps(flags, lib)
        shown = ["mkdir -p " + str(lib)]
        shown += [f"{_env_text(env)} {shlex.join(argv)}" for argv, env in steps]
        done = root / "done"
        if not done.exists():
            root.parent.mkdir(parents=True, exist_ok=True)
            with locked(root.with_name(root.name + ".lock")):
                if not done.exists():
                    started = time.monotonic()
                    lib.mkdir(parents=True, exist_ok=True)
                    for argv, env in steps:
                        _run_tool(argv, lib, {**self.environment(), **env})
                    seconds = time.monotonic() - started
                    done.write_text(f"built in {seconds:.1f} s\n", "utf-8")
        return root, shown

    def _sysroot_steps(self, flags: list[str], lib: Path) -> list[tuple[list[str], dict]]:
        source = self.web.library_source
        common = [
            self.rustc(),
            "--edition",
            "2024",
            "--crate-type",
            "rlib",
            "--target",
            TARGET,
            *CODEGEN,
            *flags,
            "-Z",
            "force-unstable-if-unmarked",
            "--out-dir",
            str(lib),
        ]
        libraries = self.environment()["LD_LIBRARY_PATH"]
        bootstrap = {"RUSTC_BOOTSTRAP": "1", "LD_LIBRARY_PATH": libraries}
        core = [*common, "--crate-name", "core", str(source / "core" / "src" / "lib.rs")]
        # What compiler_builtins' build.rs would tell cargo for wasm32 (no C, mem on).
        builtins_env = {
            **bootstrap,
            "CFG_CARGO_FEATURES": '["compiler-builtins", "mem"]',
            "CFG_OPT_LEVEL": "2",
            "CFG_TARGET_FEATURES": "[]",
        }
        cfgs = ['feature="compiler-builtins"', 'feature="mem"', 'feature="unstable-intrinsics"']
        cfgs += ["intrinsics_enabled", "arch_enabled", "optimizations_enabled"]
        builtins = [
            *common,
            "--crate-name",
            "compiler_builtins",
            *(part for cfg in cfgs for part in ("--cfg", cfg)),
            "--extern",
            f"core={lib / 'libcore.rlib'}",
            "--cap-lints",
            "allow",
            str(source / "compiler-builtins" / "compiler-builtins" / "src" / "lib.rs"),
        ]
        return [(core, bootstrap), (builtins, builtins_env)]


@cache
def _version(rustc: str, environment: tuple[tuple[str, str], ...]) -> str:
    """ "rustc 1.63.0 (LLVM 14.0.6)" from `rustc -vV`."""
    if not Path(rustc).exists():
        raise BuildFailed(f"{rustc} is not there")
    with tempfile.TemporaryDirectory(prefix="wasm-matrix-rustc-") as tmp:
        text = _run_tool([rustc, "-vV"], Path(tmp), dict(environment)).stdout
    release = re.search(r"^release: (\S+)", text, re.M)
    llvm = re.search(r"^LLVM version: (\S+)", text, re.M)
    if not release:
        raise BuildFailed(f"cannot read the version of {rustc}: {text[:200]!r}")
    return f"rustc {release[1]} (LLVM {llvm[1] if llvm else '?'})"


def _run_tool(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_tool(argv, cwd, env, TIMEOUT)


def _env_text(env: dict[str, str]) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())


def _file_name(source: ModuleSource) -> str:
    # The origin is the file beside the case (e.g. "sort.rs"); keep only a safe base name.
    base = Path(source.origin).name
    return base if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\.rs", base) else "program.rs"


def toolchains() -> list[Toolchain]:
    return [Rustc163(), Rustc196()]
