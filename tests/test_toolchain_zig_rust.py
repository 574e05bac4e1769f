"""The zig, zig-cc, rustc-1.63 and rustc-1.96 toolchains: real builds, checked by the scanner.

Each test skips with the toolchain's own reason when it is not provisioned here
(`wasm-matrix toolchains --system` provisions them).
"""

from __future__ import annotations

import pytest

from matrix.cases import ModuleSource
from matrix.scanner import scan
from matrix.toolchains import BuildFailed, ProfileNotExpressible
from matrix.toolchains.rust import toolchains as rust_toolchains
from matrix.toolchains.zig import mcpu
from matrix.toolchains.zig import toolchains as zig_toolchains

TOOLCHAINS = {tc.name: tc for tc in [*rust_toolchains(), *zig_toolchains()]}

RUST = b"""#![no_std]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { core::arch::wasm32::unreachable() }
fn double(x: i32) -> i32 { x.wrapping_mul(2) }
fn square(x: i32) -> i32 { x.wrapping_mul(x) }
static mut OPS: [fn(i32) -> i32; 2] = [double, square];
#[no_mangle]
pub extern "C" fn apply(i: i32, x: i32) -> i32 { unsafe { OPS[(i & 1) as usize](x) } }
"""
ZIG = b"""fn double(x: i32) i32 { return x *% 2; }
fn square(x: i32) i32 { return x *% x; }
var ops = [_]*const fn (i32) i32{ &double, &square };
export fn apply(i: i32, x: i32) i32 { return ops[@intCast(i & 1)](x); }
"""
C = b"""static int dbl(int x) { return x * 2; }
static int sq(int x) { return x * x; }
static int (*ops[2])(int) = {dbl, sq};
__attribute__((export_name("apply"))) int apply(int i, int x) { return ops[i & 1](x); }
"""
SOURCES = {
    "rust": ModuleSource("rust", RUST, "fnptr.rs"),
    "zig": ModuleSource("zig", ZIG, "fnptr.zig"),
    "c": ModuleSource("c", C, "fnptr.c"),
}
BROKEN = {
    "rust": ModuleSource("rust", b"#![no_std]\nfn broken( {\n", "broken.rs"),
    "zig": ModuleSource("zig", b"export fn broken( i32 {\n", "broken.zig"),
    "c": ModuleSource("c", b"int broken( {\n", "broken.c"),
}
# The overlong call_indirect table index comes with the LLVM >= 19 defaults.
OVERLONG_BY_DEFAULT = {"rustc-1.63": False, "rustc-1.96": True, "zig": True, "zig-cc": True}
TOOL_NAMES = {
    "rustc-1.63": "/usr/bin/rustc",
    "rustc-1.96": "rustc-web-1.96/usr/bin/rustc",
    "zig": "ziglang/zig build-exe",
    "zig-cc": "ziglang/zig cc",
}


def _toolchain(name: str):
    toolchain = TOOLCHAINS[name]
    reason = toolchain.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return toolchain


@pytest.mark.parametrize("name", sorted(TOOLCHAINS))
def test_default_and_mvp_builds(name: str) -> None:
    toolchain = _toolchain(name)
    source = SOURCES[toolchain.format]
    default = toolchain.build(source, "default")
    mvp = toolchain.build(source, "mvp")
    assert scan(default.module).uses("call-indirect-overlong") is OVERLONG_BY_DEFAULT[name]
    assert scan(mvp.module).needs == ()
    assert TOOL_NAMES[name] in default.command
    assert source.origin in default.command
    if name == "rustc-1.63":
        assert toolchain.version().startswith("rustc 1.63.0 (LLVM 14")
    elif name == "rustc-1.96":
        assert toolchain.version().startswith("rustc 1.96.0 (LLVM 22")
    else:
        assert toolchain.version().startswith("zig 0.17")


@pytest.mark.parametrize("name", sorted(TOOLCHAINS))
@pytest.mark.parametrize("profile", ["sign-ext", "bulk-memory", "nontrapping-fptoint"])
def test_feature_profiles_stay_inside_the_profile(name: str, profile: str) -> None:
    toolchain = _toolchain(name)
    built = toolchain.build(SOURCES[toolchain.format], profile)
    assert set(scan(built.module).needs) <= {profile}


@pytest.mark.parametrize("name", sorted(TOOLCHAINS))
def test_a_syntax_error_is_a_build_failure_with_the_compilers_message(name: str) -> None:
    toolchain = _toolchain(name)
    with pytest.raises(BuildFailed) as error:
        toolchain.build(BROKEN[toolchain.format], "default")
    assert "broken" in str(error.value)
    assert "error" in str(error.value)


@pytest.mark.parametrize("name", sorted(TOOLCHAINS))
def test_profiles_without_a_flag_are_not_expressible(name: str) -> None:
    toolchain = TOOLCHAINS[name]
    for profile in ("memory64", "reference-types"):
        with pytest.raises(ProfileNotExpressible):
            toolchain.build(SOURCES[toolchain.format], profile)


def test_zig_cpu_names() -> None:
    assert mcpu("default") is None
    assert mcpu("mvp") == "mvp"
    assert mcpu("sign-ext") == "mvp+sign_ext"
    assert mcpu("call-indirect-overlong") == "mvp+call_indirect_overlong+reference_types"


def test_rust_163_cannot_express_extended_const() -> None:
    with pytest.raises(ProfileNotExpressible, match="extended-const"):
        TOOLCHAINS["rustc-1.63"].build(SOURCES["rust"], "extended-const")
