"""emcc: Debian's Emscripten (3.1.x, on clang-14 and binaryen) with `-sSTANDALONE_WASM`.

A standalone build is pure WebAssembly plus WASI imports, no JavaScript glue, so the
matrix runs it like any other module:

* a freestanding program (the C corpus): `--no-entry`; the module exports what the
  program exports (`export_name`) and `_initialize`, and imports nothing it does not use;
* a WASI command: `main` becomes `_start`; a WASI reactor: `--no-entry` (`_initialize`).

emcc links Emscripten's own libc (musl-based, prebuilt in Debian's frozen cache) and runs
wasm-opt itself at `-O2`, as its users get it. Profiles map to clang-14's `-m` flags
(`-mcpu=mvp -msign-ext …`); a profile that needs a library variant the frozen cache lacks
fails with emcc's own message, a build error. The default build is whatever emcc enables
by itself; the module scanner records it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from functools import cached_property
from pathlib import Path

from ..cases import ModuleSource
from . import wasm_opt
from .base import BuildFailed, BuildOutput, run_tool
from .clang import ClangToolchain, _file_name

FLAGS = ("-O2", "-sSTANDALONE_WASM")
TIMEOUT = 300


class EmccToolchain(ClangToolchain):
    """Builds freestanding programs and WASI programs alike."""

    freestanding = True
    wasi = True

    def __init__(self) -> None:
        super().__init__(14)  # Debian's emscripten runs on clang-14: its -m flags apply
        self.name = "emcc"
        self.compiler = "emcc"
        self.debian_packages = ("emscripten",)

    def unavailable_reason(self) -> str | None:
        if self._which("emcc") is None:
            return (
                "emcc is not installed; get it with: apt-get install emscripten "
                "(or: wasm-matrix toolchains --system)"
            )
        return None

    @cached_property
    def _version(self) -> str:
        text = self._emcc(["--version"], Path.cwd()).stdout
        found = re.search(r"emcc \(Emscripten[^)]*\) (\S+)", text)
        if not found:
            raise BuildFailed(f"cannot read the version of emcc: {text[:200]!r}")
        clang = self._emcc(["-v"], Path.cwd())
        llvm = re.search(r"clang version (\d+\.\d+\.\d+)", clang.stdout + clang.stderr)
        return f"emcc {found[1]} (LLVM {llvm[1] if llvm else '?'})"

    def recipe(self, profile: str) -> str:
        return "\0".join([super().recipe(profile), *FLAGS])

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        flags = self.profile_flags(profile)
        name = _file_name(source)
        stem = Path(name).stem
        entry = [] if source.entry == "command" else ["--no-entry"]
        argv = [*FLAGS, *flags, *entry, name, "-o", f"{stem}.wasm"]
        shown = [" ".join(["emcc", *argv])]
        with tempfile.TemporaryDirectory(prefix="wasm-matrix-emcc-") as folder:
            work = Path(folder)
            (work / name).write_bytes(source.content)
            self._emcc(argv, work)
            module = wasm_opt.built_module(work, stem, profile, self._environment(work), shown)
        return BuildOutput(module, " && ".join(shown))

    def _emcc(self, argv: list[str], cwd: Path):
        emcc = shutil.which("emcc", path=os.defpath)
        if emcc is None:
            raise BuildFailed(self.unavailable_reason() or "emcc not found")
        return run_tool([emcc, *argv], cwd, self._environment(cwd), TIMEOUT, "emcc")

    @staticmethod
    def _environment(work: Path) -> dict[str, str]:
        # No user flags (EMCC_CFLAGS, EM_* …) that would change a build without changing
        # its key; HOME is the build folder, where emcc may leave its sanity file.
        return {"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": str(work)}


def toolchains() -> list[EmccToolchain]:
    return [EmccToolchain()]
