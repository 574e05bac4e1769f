"""wasm-opt (binaryen, from npm) for the `lowered` profile, shared by every compiled toolchain.

`lowered` is a toolchain's default build passed through binaryen's lowering passes, the way
a user would bring a module back towards MVP. binaryen is pinned (npm `binaryen@132`, a
JavaScript build of wasm-opt run by node) and installed once into
`cache_dir()/toolchains/binaryen-132/`.

What the passes can and cannot do (measured with binaryen 132; see docs/toolchains.md):
sign-ext, nontrapping float-to-int, bulk-memory copy/fill and memory64 (to a 32-bit memory)
have lowering passes. Nothing
lowers multi-value or reference types. `--mvp-features` alone lowers nothing: a module's
`target_features` section overrides it, so the features stay in use. An overlong
call_indirect table index is not kept: binaryen re-encodes every index minimally (`00`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..install import ProvisionError, locked, npm_install
from ..paths import cache_dir
from ..profiles import LOWERED_PROFILE
from .base import BuildFailed, ProfileNotExpressible

BINARYEN_VERSION = "132"
# Order matters only in that stripping comes last: until then the module's target_features
# section is what lets wasm-opt read the features being lowered.
# memory64 goes first: the memory.copy/fill lowering refuses a 64-bit memory.
LOWERING_FLAGS: tuple[str, ...] = (
    "--memory64-lowering",
    "--signext-lowering",
    "--llvm-nontrapping-fptoint-lowering",
    "--llvm-memory-copy-fill-lowering",
    "--mvp-features",
    "--strip-target-features",
)
TIMEOUT = 300  # seconds for one wasm-opt run
# What removes each feature from a module that uses it (measured with binaryen 132), for
# `wasm-matrix check` and the blame of refused real-world modules (matrix/blame.py).
LOWERING_PASSES = {
    "sign-ext": "--signext-lowering",
    "nontrapping-fptoint": "--llvm-nontrapping-fptoint-lowering",
    "bulk-memory": "--llvm-memory-copy-fill-lowering (memory.copy and memory.fill only)",
    "memory64": "--memory64-lowering (a 32-bit memory and table)",
    "call-indirect-overlong": "any wasm-opt run: it writes every call_indirect table index "
    "in one byte",
}


def folder() -> Path:
    return cache_dir() / "toolchains" / f"binaryen-{BINARYEN_VERSION}"


def program() -> Path:
    """The wasm-opt script (JavaScript: run it with node)."""
    return folder() / "node_modules" / "binaryen" / "bin" / "wasm-opt"


def version() -> str:
    return f"binaryen {BINARYEN_VERSION} (npm binaryen@{BINARYEN_VERSION})"


def unavailable_reason() -> str | None:
    """None when wasm-opt is installed or can be (node and npm are there)."""
    if shutil.which("node") is None:
        return "wasm-opt (npm binaryen) needs node, which is not on PATH"
    if not program().exists() and shutil.which("npm") is None:
        return "wasm-opt (npm binaryen) needs npm to install it, which is not on PATH"
    return None


def provision(log=print) -> Path:
    """Install binaryen into the cache unless it is there; returns the wasm-opt script."""
    script = program()
    if script.exists():
        return script
    target = folder()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Parallel workers may all want it at once: one installs, the others wait.
    with locked(target.with_name(target.name + ".lock")):
        if not script.exists():
            log(
                f"provisioning binaryen-{BINARYEN_VERSION}: npm install binaryen@{BINARYEN_VERSION}"
            )
            npm_install(target, [f"binaryen@{BINARYEN_VERSION}"])
    return script


# binaryen's flag for each feature of the matrix's vocabulary.
BINARYEN_FLAGS = {
    "sign-ext": "sign-ext",
    "nontrapping-fptoint": "nontrapping-float-to-int",
    "bulk-memory": "bulk-memory",
    "multivalue": "multivalue",
    "reference-types": "reference-types",
    "call-indirect-overlong": "call-indirect-overlong",
    "mutable-globals": "mutable-globals",
    "simd128": "simd",
    "tail-call": "tail-call",
    "extended-const": "extended-const",
    "exceptions": "exception-handling",
    "gc": "gc",
    "memory64": "memory64",
    "threads": "threads",
    "multi-memory": "multimemory",
    "relaxed-simd": "relaxed-simd",
}


def command(module: str, output: str, enable: tuple[str, ...] = ()) -> list[str]:
    """The wasm-opt invocation that lowers `module` into `output` (paths as given).

    `enable` is for a module without a `target_features` section (zig's, rustc's):
    measured, wasm-opt then reads it as MVP and refuses it ("all used features should be
    allowed"), and `--mvp-features` overrides any `--enable-*`; so the features it uses are
    enabled instead and `--mvp-features` is left out.
    """
    node = shutil.which("node") or "node"
    flags = [flag for flag in LOWERING_FLAGS if not (enable and flag == "--mvp-features")]
    return [node, str(program()), module, *enable, *flags, "-o", output]


def enable_flags(module: bytes) -> tuple[str, ...]:
    """`--enable-*` for what a module without `target_features` uses, else nothing."""
    from ..scanner import ScanError, scan

    try:
        report = scan(module)
    except ScanError as error:
        raise BuildFailed(f"cannot scan the module to lower: {error}") from None
    if report.target_features:
        return ()
    enable = [f"--enable-{BINARYEN_FLAGS[name]}" for name in report.needs]
    if "bulk-memory" in report.needs:
        enable.append("--enable-bulk-memory-opt")  # LLVM's memory.copy/fill need it too
    return tuple(enable)


def lower(module: str, output: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Lower `cwd/module` into `cwd/output`; returns the command as a person would type it.

    A missing wasm-opt that cannot be installed makes the profile inexpressible here (the
    cell is `skip` with the reason); wasm-opt refusing the module is a `BuildFailed`.
    """
    reason = unavailable_reason()
    if reason:
        raise ProfileNotExpressible(reason)
    try:
        provision(log=lambda _text: None)
    except ProvisionError as error:
        raise ProfileNotExpressible(f"wasm-opt could not be installed: {error}") from None
    argv = command(module, output, enable_flags((cwd / module).read_bytes()))
    try:
        result = subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"wasm-opt did not finish within {TIMEOUT} s") from None
    if result.returncode or not (cwd / output).exists():
        raise BuildFailed((result.stderr or result.stdout).strip() or "wasm-opt failed")
    return " ".join(["node", *argv[1:]])


def built_module(
    work: Path, stem: str, profile: str, env: dict[str, str] | None, shown: list[str]
) -> bytes:
    """The module a build left in `work/stem.wasm`, lowered first for the `lowered` profile
    (the wasm-opt command is appended to `shown`)."""
    output = f"{stem}.wasm"
    if profile == LOWERED_PROFILE:
        lowered = f"{stem}.lowered.wasm"
        shown.append(lower(output, lowered, work, env))
        output = lowered
    return (work / output).read_bytes()
