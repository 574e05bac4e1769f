"""The clang toolchains (14, 16, 19, 22) and the shared wasm-opt lowering, for real.

Each test skips, with the reason the toolchain gives, when that clang is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matrix.build import BuildCache
from matrix.cases import ModuleSource, load_case
from matrix.profiles import DEFAULT_PROFILE, LOWERED_PROFILE, PROFILE_NAMES, PROFILES
from matrix.scanner import scan
from matrix.toolchains import BuildFailed, ProfileNotExpressible, wasm_opt
from matrix.toolchains.clang import RELEASES, ClangToolchain, toolchains

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "cases" / "c"
MAJORS = sorted(RELEASES)

DISPATCH = b"""
typedef int (*binop)(int, int);
static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static binop table[] = {add, sub};
__attribute__((export_name("apply"))) int apply(int op, int a, int b) {
    return table[op & 1](a, b);
}
__attribute__((export_name("narrow"))) int narrow(int x) { return (signed char)x; }
"""


def _source(content: bytes, name: str = "tiny.c") -> ModuleSource:
    return ModuleSource("c", content, name)


def _clang(major: int) -> ClangToolchain:
    toolchain = ClangToolchain(major)
    reason = toolchain.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return toolchain


def _uses(toolchain: ClangToolchain, profile: str, source: ModuleSource) -> set[str]:
    return set(scan(toolchain.build(source, profile).module).needs)


def test_four_toolchains_for_c():
    names = [toolchain.name for toolchain in toolchains()]
    assert names == ["clang-14", "clang-16", "clang-19", "clang-22"]
    for toolchain in toolchains():
        assert toolchain.format == "c"
        major = toolchain.name.split("-")[1]
        assert toolchain.debian_packages == (f"clang-{major}", f"lld-{major}")


@pytest.mark.parametrize("major", MAJORS)
def test_version_names_clang_and_llvm(major: int):
    version = _clang(major).version()
    assert version.startswith(f"clang {major}.") and f"(LLVM {major}." in version


@pytest.mark.parametrize("major", MAJORS)
def test_default_and_mvp_builds_and_the_overlong_index(major: int):
    toolchain = _clang(major)
    default = _uses(toolchain, DEFAULT_PROFILE, _source(DISPATCH))
    mvp = _uses(toolchain, "mvp", _source(DISPATCH))
    assert mvp == set()  # no -mcpu=mvp build uses anything beyond MVP
    # LLVM 19 turned reference-types on by default: call_indirect gets a 5-byte table index.
    assert ("call-indirect-overlong" in default) == (major >= 19)
    assert ("sign-ext" in default) == (major >= 16)


def test_clang_19_overlong_but_not_clang_16():
    assert "call-indirect-overlong" in _uses(_clang(19), DEFAULT_PROFILE, _source(DISPATCH))
    assert "call-indirect-overlong" not in _uses(_clang(16), DEFAULT_PROFILE, _source(DISPATCH))


@pytest.mark.parametrize("major", MAJORS)
def test_syntax_error_is_build_failed_with_clangs_message(major: int):
    toolchain = _clang(major)
    with pytest.raises(BuildFailed) as error:
        toolchain.build(_source(b"int f(void) { return 1 }\n", "broken.c"), "mvp")
    assert "broken.c:1:" in str(error.value) and "error: expected ';'" in str(error.value)


@pytest.mark.parametrize("major", MAJORS)
def test_undefined_symbol_is_a_build_error(major: int):
    source = _source(b'int g(int); __attribute__((export_name("f"))) int f(int x) { return g(x); }')
    with pytest.raises(BuildFailed, match="undefined symbol: g"):
        _clang(major).build(source, DEFAULT_PROFILE)


@pytest.mark.parametrize("major", MAJORS)
def test_command_names_the_real_tools(major: int):
    command = _clang(major).build(_source(DISPATCH, "dispatch.c"), "sign-ext").command
    steps = command.split(" && ")
    assert steps[0].endswith("> wasm-matrix-support.c")
    assert steps[1] == (
        f"clang-{major} --target=wasm32 -O2 -nostdlib -ffreestanding -mcpu=mvp -msign-ext "
        "-c dispatch.c -o dispatch.o"
    )
    assert steps[3].startswith(f"wasm-ld-{major} --no-entry dispatch.o")
    assert "/tmp" not in command  # nothing from the build's temporary folder


def test_the_command_reproduces_the_build(tmp_path: Path):
    toolchain = _clang(max(major for major in MAJORS if shutil.which(f"clang-{major}")))
    built = toolchain.build(_source(DISPATCH, "dispatch.c"), DEFAULT_PROFILE)
    (tmp_path / "dispatch.c").write_bytes(DISPATCH)
    import subprocess
    import sys

    command = built.command.replace("python -c", f"{sys.executable} -c", 1)
    subprocess.run(
        command,
        shell=True,
        cwd=tmp_path,
        check=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert (tmp_path / "dispatch.wasm").read_bytes() == built.module


def test_cache_key_changes_with_the_profile():
    toolchain = _clang(19)
    source = _source(DISPATCH)
    keys = {
        BuildCache.key(source, toolchain.name, toolchain.version(), profile)
        for profile in ("default", "mvp", "sign-ext", "lowered")
    }
    assert len(keys) == 4


@pytest.mark.parametrize("major", MAJORS)
def test_every_profile_builds_only_its_features(major: int):
    """A feature profile's module uses nothing outside that profile (or it is not built)."""
    toolchain = _clang(major)
    built = 0
    for profile in PROFILE_NAMES:
        features = PROFILES[profile].features
        if features is None:
            continue  # default and lowered: whatever the compiler (and wasm-opt) chose
        try:
            used = _uses(toolchain, profile, _source(DISPATCH))
        except ProfileNotExpressible:
            continue
        assert used <= features, f"{profile}: uses {sorted(used - features)}"
        built += 1
    assert built >= 8


@pytest.mark.parametrize("major", MAJORS)
def test_reference_types_alone_is_not_expressible(major: int):
    toolchain = _clang(major)
    with pytest.raises(ProfileNotExpressible, match="call-indirect-overlong"):
        toolchain.build(_source(DISPATCH), "reference-types")
    assert "call-indirect-overlong" in _uses(toolchain, "call-indirect-overlong", _source(DISPATCH))
    with pytest.raises(ProfileNotExpressible, match="wasm64"):
        toolchain.build(_source(DISPATCH), "memory64")


def _corpus() -> list[tuple[Path, str]]:
    cells = []
    for path in sorted(CORPUS.glob("*.yaml")):
        case = load_case(path)
        cells += [(path, profile) for profile in case.profiles if PROFILES[profile].features]
    return cells


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize(("case_file", "profile"), _corpus(), ids=lambda v: getattr(v, "stem", v))
def test_corpus_uses_nothing_outside_its_profile(major: int, case_file: Path, profile: str):
    toolchain = _clang(major)
    case = load_case(case_file)
    try:
        module = toolchain.build(case.source_for("c"), profile).module
    except ProfileNotExpressible:
        pytest.skip(f"{profile} not expressible with clang-{major}")
    assert set(scan(module).needs) <= PROFILES[profile].features


def test_corpus_mvp_builds_use_only_mvp():
    available = [major for major in MAJORS if ClangToolchain(major).unavailable_reason() is None]
    if not available:
        pytest.skip("no clang installed")
    for case_file in sorted(CORPUS.glob("*.yaml")):
        source = load_case(case_file).source_for("c")
        for major in available:
            assert scan(ClangToolchain(major).build(source, "mvp").module).needs == ()


# -- wasm-opt lowering -----------------------------------------------------------------


@pytest.fixture(scope="module")
def lowering():
    if shutil.which("npm") is None and not wasm_opt.program().exists():
        pytest.skip("npm is not on PATH: binaryen cannot be installed")
    reason = wasm_opt.unavailable_reason()
    if reason:
        pytest.skip(reason)
    wasm_opt.provision(log=lambda _text: None)


def test_lowered_removes_what_clang_22_enables(lowering):
    toolchain = _clang(22)
    source = _source(
        DISPATCH + b"void *memset(void *, int, unsigned long);\n"
        b'__attribute__((export_name("z"))) void z(char *p, int n) '
        b"{ __builtin_memset(p, 0, n); }\n"
    )
    assert {"sign-ext", "bulk-memory", "call-indirect-overlong"} <= _uses(
        toolchain, DEFAULT_PROFILE, source
    )
    built = toolchain.build(source, LOWERED_PROFILE)
    report = scan(built.module)
    # binaryen re-encodes the table index minimally: the overlong index is gone.
    assert report.needs == () and report.target_features == {}
    assert "--signext-lowering" in built.command
    assert built.command.split(" && ")[-1].startswith("node ")


def test_lower_reports_wasm_opt_errors(lowering, tmp_path: Path):
    (tmp_path / "bad.wasm").write_bytes(b"\0asm\x01\0\0\0\x01")
    with pytest.raises(BuildFailed):
        wasm_opt.lower("bad.wasm", "out.wasm", tmp_path)
