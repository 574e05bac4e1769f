"""The WASI toolchains and emcc for real: what they build, and what the scanner finds.

Each test skips, with the toolchain's own reason, when that toolchain is not installed.
"""

from __future__ import annotations

import pytest
import wasmtime

from matrix.cases import load_case
from matrix.scanner import scan
from matrix.toolchains import ProfileNotExpressible, Toolchain, all_toolchains

from .helpers import REPO

WASI = REPO / "cases" / "wasi"
# One C and one Rust toolchain of each kind; zig's are slower (they build their libraries
# per CPU) and are covered by the matrix runs.
QUICK = ["clang-14-wasi", "clang-19-wasi", "clang-22-wasi", "emcc", "rustc-1.63-wasi"]
QUICK += ["rustc-1.96-wasi"]


def toolchain(name: str) -> Toolchain:
    found = all_toolchains()[name]
    reason = found.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return found


def shape(module: bytes) -> tuple[set[str], set[str]]:
    """The modules it imports from and the names it exports."""
    compiled = wasmtime.Module(wasmtime.Engine(), module)
    return {item.module for item in compiled.imports}, {item.name for item in compiled.exports}


def test_the_wasi_toolchains_and_their_debian_packages():
    toolchains = all_toolchains()
    for major in (14, 16, 19, 22):
        wasi = toolchains[f"clang-{major}-wasi"]
        assert (wasi.wasi, wasi.freestanding, wasi.format) == (True, False, "c")
        assert {"wasi-libc", f"libclang-rt-{major}-dev-wasm32"} <= set(wasi.debian_packages)
    assert toolchains["emcc"].wasi and toolchains["emcc"].freestanding
    assert toolchains["emcc"].debian_packages == ("emscripten",)
    assert toolchains["rustc-1.63-wasi"].debian_packages[:2] == ("rustc", "libstd-rust-dev-wasm32")


@pytest.mark.parametrize("name", QUICK)
def test_a_command_imports_wasi_and_exports_start(name):
    built = toolchain(name)
    case = load_case(WASI / "hello.yaml")
    imports, exports = shape(built.build(case.source_for(built.format), "default").module)
    assert imports == {"wasi_snapshot_preview1"}
    assert "_start" in exports and "memory" in exports


@pytest.mark.parametrize("name", ["clang-19-wasi", "rustc-1.96-wasi", "emcc"])
def test_a_reactor_exports_its_functions(name):
    built = toolchain(name)
    case = load_case(WASI / "reactor.yaml")
    _, exports = shape(built.build(case.source_for(built.format), "default").module)
    assert {"bump", "greeting_length"} <= exports and "_start" not in exports


def test_rustc_196_std_built_from_debian_sources_brings_its_own_features_into_mvp():
    # The finding the matrix shows: std is prebuilt (for LLVM 22's generic CPU), so an
    # `mvp` program still uses what std's code uses; Debian's wasi-libc (LLVM 14 era) does not.
    rust = toolchain("rustc-1.96-wasi")
    clang = toolchain("clang-19-wasi")
    case = load_case(WASI / "wordfreq.yaml")
    rust_mvp = set(scan(rust.build(case.source_for("rust"), "mvp").module).needs)
    clang_mvp = set(scan(clang.build(case.source_for("c"), "mvp").module).needs)
    assert {"sign-ext", "bulk-memory"} <= rust_mvp
    assert clang_mvp == set()


def test_emcc_builds_the_freestanding_corpus_with_no_imports():
    emcc = toolchain("emcc")
    case = load_case(REPO / "cases" / "c" / "sort.yaml")
    module = emcc.build(case.source_for("c"), "default").module
    imports, exports = shape(module)
    assert imports == set() and {"generate", "quicksort", "_initialize"} <= exports
    assert scan(module).needs == ()  # Emscripten 3.1.6's default: nothing beyond the MVP
    with pytest.raises(ProfileNotExpressible):
        emcc.build(case.source_for("c"), "memory64")


def test_only_wasi_toolchains_and_emcc_build_a_wasi_c_program():
    # The planner never gives a WASI source to a freestanding toolchain (and back).
    case = load_case(WASI / "hello.yaml")
    c_source = case.source_for("c")
    names = {name for name, tc in all_toolchains().items() if tc.builds(c_source)}
    assert names == {
        "clang-14-wasi",
        "clang-16-wasi",
        "clang-19-wasi",
        "clang-22-wasi",
        "zig-cc-wasi",
        "emcc",
    }
