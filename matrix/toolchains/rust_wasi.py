"""rustc-1.63-wasi and rustc-1.96-wasi: Rust programs with `std` for WASI preview 1.

* `rustc-1.63-wasi`: Debian's `/usr/bin/rustc` with its packaged `wasm32-wasi` standard
  library (`libstd-rust-dev-wasm32`), which links its own copy of wasi-libc
  (`self-contained/`).
* `rustc-1.96-wasi`: Debian ships no wasm32 standard library for `rustc-web`, so `std` is
  built from Debian's own sources once: `rust-web-src` (the library and the crates it
  vendors) compiled by `cargo-web` with `-Zbuild-std=std,panic_abort --target
  wasm32-wasip1` (`RUSTC_BOOTSTRAP=1`, offline, crates from `library/vendor`), the rlibs
  gathered into a sysroot, and Debian's `wasi-libc` (crt1 and libc.a) put beside them as the
  target's self-contained C library. The packages are unpacked (`dpkg-deb -x`) into
  `cache_dir()/toolchains/`, as for `rustc-1.96`.

A command is a binary crate (`main`); a reactor is a `cdylib` (its exports; rustc wraps
each so that constructors run first). Profiles apply to the program's code only: `std`
comes prebuilt, as users of a packaged or rustup `std` get it (built for LLVM's `generic`
CPU); the module scanner reports what the module really uses.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..cases import ModuleSource
from ..debian import SystemPackages, install_all
from ..install import ProvisionError, apt_unpack, dpkg_installed, locked
from ..paths import cache_dir
from ..profiles import LOWERED_PROFILE
from . import wasm_opt
from .base import BuildFailed, Toolchain
from .rust import (
    LLVM14_FEATURES,
    LLVM22_FEATURES,
    _Rustc,
    _Web,
)

CODEGEN = ("-C", "opt-level=2", "-C", "panic=abort", "-C", "strip=debuginfo")
CRATE_TYPE = {"command": "bin", "reactor": "cdylib"}
WASI_LIB = Path("/usr/lib/wasm32-wasi")
# Unpacked together: rustc and its libraries, the library sources with their vendored
# crates, cargo, and the host's own std (cargo compiles build scripts for the host).
WEB_PACKAGES = (
    "rustc-web",
    "libstd-rust-web-1.96",
    "libstd-rust-web-dev",
    "rust-web-src",
    "cargo-web",
)
STD_TIMEOUT = 3600  # seconds for building std (about 1 CPU-minute, longer on a busy machine)


class _RustcWasi(_Rustc):
    """As the freestanding rustc builds, for a WASI target with `std`."""

    freestanding = False
    wasi = True
    codegen = CODEGEN
    target: str

    def recipe(self, profile: str) -> str:
        lowering = " ".join(wasm_opt.LOWERING_FLAGS) if profile == LOWERED_PROFILE else ""
        return "\0".join([self.target, *self.codegen, lowering, *self.recipe_flags()])

    def recipe_flags(self) -> list[str]:
        """What shapes the build besides the target and codegen flags (for the cache key)."""
        return []

    def base_flags(self, source: ModuleSource) -> list[str]:
        if not source.entry:
            raise BuildFailed(f"{self.name} builds WASI programs (a case with `wasi:`)")
        crate_type = CRATE_TYPE[source.entry]
        return ["--edition", "2021", "--target", self.target, "--crate-type", crate_type]


class Rustc163Wasi(_RustcWasi):
    name = "rustc-1.63-wasi"
    target = "wasm32-wasi"
    llvm_features = LLVM14_FEATURES
    debian_packages = ("rustc", "libstd-rust-dev-wasm32", "lld-14")

    def rustc(self) -> str:
        return "/usr/bin/rustc"  # by its full path: a rustup rustc may come first on PATH

    def unavailable_reason(self) -> str | None:
        how = (
            f"get it with: apt-get install {' '.join(self.debian_packages)} "
            "(or: wasm-matrix toolchains --system)"
        )
        if not Path(self.rustc()).exists():
            return f"Debian's /usr/bin/rustc is not installed; {how}"
        if not Path(f"/usr/lib/rustlib/{self.target}/lib/self-contained/libc.a").exists():
            return f"the wasm32-wasi standard library for /usr/bin/rustc is not installed; {how}"
        found = self.version()
        if not found.startswith("rustc 1.63."):
            return f"/usr/bin/rustc is {found}, not 1.63"
        return None


class Rustc196Wasi(_RustcWasi):
    name = "rustc-1.96-wasi"
    target = "wasm32-wasip1"
    llvm_features = LLVM22_FEATURES
    # What the unpacked rustc and cargo need from the system; wasi-libc is the C library.
    debian_packages = ("libllvm22", "lld-22", "libgit2-1.5", "wasi-libc")
    linker = "wasm-ld-22"

    def __init__(self) -> None:
        self.web = _Web(cache_dir() / "toolchains" / "rust-web-1.96-wasi")

    def rustc(self) -> str:
        return str(self.web.rustc)

    @property
    def cargo(self) -> Path:
        return self.web.root / "usr" / "bin" / "cargo"

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "LD_LIBRARY_PATH": str(self.web.libraries)}

    def shown(self, argv: list[str]) -> str:
        return f"LD_LIBRARY_PATH={shlex.quote(str(self.web.libraries))} {shlex.join(argv)}"

    def unavailable_reason(self) -> str | None:
        how = "get it with: wasm-matrix toolchains --system"
        if not self.web.rustc.exists() or not self.cargo.exists():
            return f"rustc-web and cargo-web 1.96 are not unpacked in {self.web.root}; {how}"
        if not (self.web.library_source / "vendor").is_dir():
            return f"rust-web-src (with library/vendor) is not unpacked in {self.web.root}; {how}"
        if not (WASI_LIB / "libc.a").exists():
            return f"Debian's wasi-libc is not installed; apt-get install wasi-libc (or: {how})"
        if shutil.which(self.linker, path=os.defpath) is None:
            return f"{self.linker} is not installed; apt-get install lld-22 (or: {how})"
        try:
            found = self.version()
        except BuildFailed as error:
            return f"the unpacked rustc-web does not run ({error}); {how}"
        if not found.startswith("rustc 1.96."):
            return f"the unpacked rustc-web is {found}, not 1.96"
        return None

    def provision(self, system: SystemPackages, log=print) -> None:
        # Installed only (wasi-libc is named under /usr): as root, else it stays missing.
        missing = [p for p in self.debian_packages if not dpkg_installed(p)]
        if missing and system is SystemPackages.INSTALL:
            install_all(missing, log)
        root = self.web.root
        root.parent.mkdir(parents=True, exist_ok=True)
        with locked(root.with_name(root.name + ".lock")):
            if not self.cargo.exists():
                log(f"provisioning rustc-web 1.96 for WASI: {' '.join(WEB_PACKAGES)}, unpacked")
                apt_unpack(list(WEB_PACKAGES), root, log)
        if (
            self.unavailable_reason() is not None
            and system is not SystemPackages.INSTALL
            and missing
        ):
            raise ProvisionError(f"needs Debian packages {' '.join(missing)} (installed as root)")
        if self.unavailable_reason() is None:
            self.sysroot(log)  # std is built once, here rather than in the first cell
        if wasm_opt.unavailable_reason() is None:
            wasm_opt.provision(log)

    def recipe_flags(self) -> list[str]:
        return ["-C", f"linker={self.linker}", "std: build-std, wasi-libc"]

    def extra_flags(self, flags: list[str], log=print) -> tuple[list[str], list[str]]:
        sysroot, commands = self.sysroot(log)
        return ["--sysroot", str(sysroot), "-C", f"linker={self.linker}"], commands

    # -- std from source -----------------------------------------------------------------

    def sysroot(self, log=print) -> tuple[Path, list[str]]:
        """A sysroot with std for wasm32-wasip1 built from rust-web-src; built once."""
        key = hashlib.sha256(f"{self.version()} {WASI_LIB}".encode()).hexdigest()[:16]
        root = cache_dir() / "toolchains" / f"rust-web-1.96-wasip1-sysroot-{key}"
        lib = root / "lib" / "rustlib" / self.target / "lib"
        shown = [
            f"(std for {self.target}: {shlex.join(self._cargo_command())} in a crate "
            f"that vendors {self.web.library_source / 'vendor'}; rlibs → {lib})"
        ]
        done = root / "done"
        if not done.exists():
            root.parent.mkdir(parents=True, exist_ok=True)
            with locked(root.with_name(root.name + ".lock")):
                if not done.exists():
                    log(f"building std for {self.target} from rust-web-src (once)")
                    started = time.monotonic()
                    self._build_std(lib)
                    seconds = time.monotonic() - started
                    done.write_text(f"built in {seconds:.1f} s\n", "utf-8")
        return root, shown

    def _cargo_command(self) -> list[str]:
        return [
            str(self.cargo),
            "build",
            "--offline",
            "--release",
            "-Zbuild-std=std,panic_abort",
            "--target",
            self.target,
        ]

    def _build_std(self, lib: Path) -> None:
        shutil.rmtree(lib, ignore_errors=True)
        (lib / "self-contained").mkdir(parents=True)
        with tempfile.TemporaryDirectory(prefix="wasm-matrix-build-std-") as tmp:
            crate = Path(tmp)
            (crate / "src").mkdir()
            (crate / "src" / "lib.rs").write_text("", "utf-8")
            (crate / "Cargo.toml").write_text(
                '[package]\nname = "build_std"\nversion = "0.0.0"\nedition = "2021"\n'
                '[profile.release]\nopt-level = 2\npanic = "abort"\n',
                "utf-8",
            )
            (crate / ".cargo").mkdir()
            vendor = self.web.library_source / "vendor"
            (crate / ".cargo" / "config.toml").write_text(
                '[source.crates-io]\nreplace-with = "vendored"\n'
                f"[source.vendored]\ndirectory = {str(vendor)!r}\n",
                "utf-8",
            )
            environment = {
                **self.environment(),
                "RUSTC": self.rustc(),
                "RUSTC_BOOTSTRAP": "1",
                "CARGO_HOME": str(crate / "cargo-home"),
            }
            try:
                result = subprocess.run(
                    self._cargo_command(),
                    cwd=crate,
                    env=environment,
                    capture_output=True,
                    text=True,
                    timeout=STD_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise BuildFailed(f"building std did not finish within {STD_TIMEOUT} s") from None
            if result.returncode:
                tail = "\n".join(result.stderr.strip().splitlines()[-20:])
                raise BuildFailed(f"building std for {self.target} failed:\n{tail}")
            deps = crate / "target" / self.target / "release" / "deps"
            for rlib in deps.glob("*.rlib"):
                if not rlib.name.startswith("libbuild_std-"):
                    shutil.copy2(rlib, lib / rlib.name)
        for name in ("crt1-command.o", "crt1-reactor.o", "libc.a"):
            shutil.copy2(WASI_LIB / name, lib / "self-contained" / name)


def toolchains() -> list[Toolchain]:
    return [Rustc163Wasi(), Rustc196Wasi()]
