"""`package`: a module read out of a published package (cases/realworld/), as shipped.

Nothing is compiled: the build fetches the package file with the registry's own client,
checks its pinned sha256 and reads the `.wasm` out of it. The `lowered` profile passes the
shipped module through wasm-opt's lowering passes, which is how the matrix checks that
removing a feature an engine lacks makes that engine take the module.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..cases import PACKAGE, ModuleSource
from ..packages import PackageError, PackageModule, read_module
from ..profiles import DEFAULT_PROFILE
from . import wasm_opt
from .base import BuildFailed, BuildOutput, ProfileNotExpressible, Toolchain

LOWERED = "lowered"


class PackageToolchain(Toolchain):
    name = PACKAGE
    format = PACKAGE

    def version(self) -> str:
        return "1"

    def recipe(self, profile: str) -> str:
        if profile == LOWERED:
            return " ".join(wasm_opt.LOWERING_FLAGS) + f" binaryen {wasm_opt.BINARYEN_VERSION}"
        return ""

    def build(self, source: ModuleSource, profile: str) -> BuildOutput:
        package = PackageModule.from_json(source.content)
        if profile not in (DEFAULT_PROFILE, LOWERED):
            raise ProfileNotExpressible(
                "a shipped module is tested as shipped (default) or lowered by wasm-opt"
            )
        try:
            module = read_module(package, log=lambda _text: None)
        except PackageError as error:
            raise BuildFailed(str(error)) from None
        fetched = f"{package.fetch_command} (sha256 {package.sha256[:12]}…), then {package.path}"
        if profile == DEFAULT_PROFILE:
            return BuildOutput(module, fetched)
        with tempfile.TemporaryDirectory(prefix="wasm-matrix-lower-") as folder:
            (Path(folder) / "in.wasm").write_bytes(module)
            command = wasm_opt.lower("in.wasm", "out.wasm", Path(folder))
            return BuildOutput((Path(folder) / "out.wasm").read_bytes(), f"{fetched}; {command}")
