"""C ↔ Rust ABI pairings: a case's `module.link` (one C file, one Rust file) compiled by one
clang and one rustc and linked into one module by the newer LLVM's wasm-ld.

Each pairing is a toolchain of its own, so the matrix measures them like any other:
`clang-19+rustc-1.63`, and with ABI flags `clang-19:mv+rustc-1.96:wasm-c-abi=spec`:

* `:mv` compiles the C side with clang's multivalue ABI (`-Xclang -target-abi -Xclang
  experimental-mv`, with `-mmultivalue`): small structs are passed as their fields and
  returned as several values. All four clangs accept it (measured).
* `:wasm-c-abi=spec` gives rustc `-Zwasm-c-abi=spec` (with `RUSTC_BOOTSTRAP=1`). Measured
  per release: rustc 1.63 has no such flag (its wasm32-unknown-unknown C ABI is the
  "legacy" one wasm-bindgen relied on: aggregates passed as their flattened fields);
  rustc 1.96 accepts only `spec` ("deprecated, always enabled": since 1.89 the spec ABI is
  the default) and refuses `legacy`.

Both sides are freestanding: C as the clang toolchains build it (with their memset/memcpy
support file), Rust as a `no_std` staticlib for wasm32-unknown-unknown. The module exports
what the C side exports. A link that wasm-ld can only make by replacing calls with traps
(its "function signature mismatch" warnings) is a build error with the linker's words: the
module would not be the program.
"""

from __future__ import annotations

import base64
import json
import shlex
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path

from ..cases import LINK, ModuleSource
from ..debian import SystemPackages
from ..profiles import DEFAULT_PROFILE
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain, run_tool
from .clang import COMPILE_FLAGS, RELEASES, SUPPORT_NAME, SUPPORT_SOURCE, ClangToolchain
from .rust import Rustc163, Rustc196, _Rustc

MV_FLAGS = ("-mmultivalue", "-Xclang", "-target-abi", "-Xclang", "experimental-mv")
RUST_FLAGS = (
    "--edition",
    "2021",
    "--target",
    "wasm32-unknown-unknown",
    "--crate-type",
    "staticlib",
)
RUST_CODEGEN = ("-C", "opt-level=2", "-C", "panic=abort")
RUST_LLVM = {"rustc-1.63": 14, "rustc-1.96": 22}
# What each rustc accepts for -Zwasm-c-abi (measured; see the module's docstring).
RUST_ABI_FLAGS = {"rustc-1.63": (), "rustc-1.96": ("spec",)}
TIMEOUT = 600
MISMATCH = "signature mismatch"


def parts(source: ModuleSource) -> list[dict]:
    """The C and Rust files of a link source: file, format, toolchain pattern, content."""
    return json.loads(source.content.decode("utf-8"))


class LinkToolchain(Toolchain):
    format = LINK

    def __init__(self, clang: ClangToolchain, rust: _Rustc, mv: bool, rust_abi: str | None):
        self.clang, self.rust, self.mv, self.rust_abi = clang, rust, mv, rust_abi
        c_name = clang.name + (":mv" if mv else "")
        rust_name = rust.name + (f":wasm-c-abi={rust_abi}" if rust_abi else "")
        self.name = f"{c_name}+{rust_name}"
        self.debian_packages = (*clang.debian_packages, *rust.debian_packages)
        self.linker = f"wasm-ld-{max(clang.release.major, RUST_LLVM[rust.name])}"

    def builds(self, source: ModuleSource) -> bool:
        if source.format != LINK:
            return False
        wanted = {part["format"]: part["toolchain"] for part in parts(source)}
        return fnmatchcase(self.clang.name, wanted.get("c", "")) and fnmatchcase(
            self.rust.name, wanted.get("rust", "")
        )

    def unavailable_reason(self) -> str | None:
        reason = self.clang.unavailable_reason() or self.rust.unavailable_reason()
        if reason is None and self.clang._which(self.linker) is None:
            major = self.linker.rsplit("-", 1)[1]
            reason = f"{self.linker} is not installed; apt-get install lld-{major}"
        return reason

    def provision(self, system: SystemPackages, log=print) -> None:
        self.clang.provision(system, log)
        self.rust.provision(system, log)

    def version(self) -> str:
        return f"{self.clang.version()} + {self.rust.version()}"

    def recipe(self, profile: str) -> str:
        return "\0".join(
            [
                *COMPILE_FLAGS,
                *(MV_FLAGS if self.mv else ()),
                *RUST_FLAGS,
                *RUST_CODEGEN,
                str(self.rust_abi),
                self.linker,
                SUPPORT_SOURCE,
            ]
        )

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        if profile != DEFAULT_PROFILE:
            raise ProfileNotExpressible("ABI pairings build with each compiler's defaults only")
        reason = self.unavailable_reason()
        if reason:
            raise BuildFailed(reason)
        files = {part["format"]: part for part in parts(source)}
        c_file, rust_file = Path(files["c"]["file"]).name, Path(files["rust"]["file"]).name
        c_stem, rust_stem = Path(c_file).stem, Path(rust_file).stem
        support_stem = Path(SUPPORT_NAME).stem
        compiler = self.clang._tool(self.clang.compiler)
        c_flags = [*COMPILE_FLAGS, *(MV_FLAGS if self.mv else ())]
        rust_env = dict(self.rust.environment())
        rust_extra: list[str] = []
        prepared: list[str] = []
        if isinstance(self.rust, Rustc196):
            sysroot, prepared = self.rust.sysroot([])
            rust_extra += ["--sysroot", str(sysroot)]
        if self.rust_abi:
            rust_env["RUSTC_BOOTSTRAP"] = "1"
            rust_extra.append(f"-Zwasm-c-abi={self.rust_abi}")
        rust_argv = [
            self.rust.rustc(),
            *RUST_FLAGS,
            *RUST_CODEGEN,
            *rust_extra,
            rust_file,
            "-o",
            f"lib{rust_stem}.a",
        ]
        link_argv = [
            self.clang._tool(self.linker),
            "--no-entry",
            f"{c_stem}.o",
            f"{support_stem}.o",
            f"lib{rust_stem}.a",
            "-o",
            "program.wasm",
        ]
        c_steps = [
            [compiler, *c_flags, "-c", c_file, "-o", f"{c_stem}.o"],
            [compiler, *c_flags, "-c", SUPPORT_NAME, "-o", f"{support_stem}.o"],
        ]
        bootstrap = "RUSTC_BOOTSTRAP=1 " if self.rust_abi else ""
        shown = [
            *prepared,
            *(" ".join([Path(step[0]).name, *step[1:]]) for step in c_steps),
            bootstrap + self.rust.shown(rust_argv),
            " ".join([self.linker, *link_argv[1:]]),
        ]
        with tempfile.TemporaryDirectory(prefix="wasm-matrix-link-") as folder:
            work = Path(folder)
            (work / c_file).write_bytes(base64.b64decode(files["c"]["content"]))
            (work / rust_file).write_bytes(base64.b64decode(files["rust"]["content"]))
            (work / SUPPORT_NAME).write_text(SUPPORT_SOURCE, "utf-8")
            for step in c_steps:
                self.clang._run_tool(step, work)
            run_tool(rust_argv, work, rust_env, TIMEOUT, "rustc")
            linked = self.clang._run_tool(link_argv, work)
            warnings = (linked.stderr or "").strip()
            if MISMATCH in warnings:
                # wasm-ld linked, but made each mismatched call a trap: not the program.
                raise BuildFailed(f"{self.linker}: {warnings}")
            module = (work / "program.wasm").read_bytes()
        return BuildOutput(module, " && ".join(shlex.quote(s) if "\n" in s else s for s in shown))


def toolchains() -> list[Toolchain]:
    clangs = [ClangToolchain(major) for major in sorted(RELEASES)]
    rusts: list[_Rustc] = [Rustc163(), Rustc196()]
    found: list[Toolchain] = []
    for clang in clangs:
        for mv in (False, True):
            for rust in rusts:
                for abi in (None, *RUST_ABI_FLAGS[rust.name]):
                    found.append(LinkToolchain(clang, rust, mv, abi))
    return found
