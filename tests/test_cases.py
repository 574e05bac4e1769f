"""The case loader: good cases load; a bad one is a CaseError naming file, line, field."""

import pytest

from matrix.cases import (
    DEFAULT_TIMEOUT,
    CaseError,
    ModuleSource,
    find_case_files,
    load_case,
    load_cases,
)
from matrix.values import Exact, Nan, Value, parse_value

WASM_HEADER = bytes.fromhex("0061736d01000000")


def write(folder, name, text):
    path = folder / name
    path.write_text(text, "utf-8")
    return path


# --- good cases ---------------------------------------------------------------------------


def test_inline_wat_program_with_defaults(tmp_path):
    path = write(
        tmp_path,
        "add-one.yaml",
        """\
module:
  wat: |
    (module (func (export "inc") (param i32) (result i32)
      local.get 0 i32.const 1 i32.add))
calls:
  - invoke: inc
    args: [i32:41]
    expect: [i32:42]
""",
    )
    case = load_case(path)
    assert case.path == path
    assert case.name == "add-one"
    assert case.kind == "program"
    assert case.description == ""
    assert case.features == ()
    assert case.valid is True
    assert case.profiles == ("default",)
    assert case.timeout == DEFAULT_TIMEOUT
    assert case.tags == ()
    assert case.module.format == "wat"
    assert case.module.origin == "inline"
    assert case.module.content.startswith(b'(module (func (export "inc")')
    assert len(case.calls) == 1
    call = case.calls[0]
    assert call.invoke == "inc"
    assert call.args == (Value("i32", 41),)
    assert call.expect == (Exact("i32", 42),)
    assert call.trap is None
    assert call.line == 6


def test_every_field_given(tmp_path):
    path = write(
        tmp_path,
        "file-name.yaml",
        """\
name: nan-probe
description: f32 NaN results
kind: probe
features: [mvp, sign-ext]
valid: true
profiles: [default, sign-ext]
timeout: 5
tags: [float, nan]
module:
  wat: "(module)"
calls:
  - invoke: div
    args: [f32:0, f32:0]
    expect: [f32:nan:arithmetic]
  - invoke: boom
    trap: unreachable
  - invoke: nothing
""",
    )
    case = load_case(path)
    assert case.name == "nan-probe"
    assert case.description == "f32 NaN results"
    assert case.kind == "probe"
    assert case.features == ("mvp", "sign-ext")
    assert case.profiles == ("default", "sign-ext")
    assert case.timeout == 5.0
    assert isinstance(case.timeout, float)
    assert case.tags == ("float", "nan")
    div, boom, nothing = case.calls
    assert div.args == (parse_value("f32:0"), parse_value("f32:0"))
    assert div.expect == (Nan("f32", "nan:arithmetic"),)
    assert (boom.expect, boom.trap) == (None, "unreachable")
    assert (nothing.args, nothing.expect, nothing.trap) == ((), (), None)
    assert [call.line for call in case.calls] == [12, 15, 17]


def test_hex_module_ignores_whitespace(tmp_path):
    path = write(
        tmp_path,
        "empty.yaml",
        """\
kind: probe
module:
  hex: |
    00 61 73 6d
    01000000
""",
    )
    assert load_case(path).module == ModuleSource("binary", WASM_HEADER, "inline")


def test_wat_file_beside_the_case(tmp_path):
    (tmp_path / "add.wat").write_text("(module)\n")
    path = write(tmp_path, "add.yaml", "kind: probe\nmodule:\n  file: add.wat\n")
    assert load_case(path).module == ModuleSource("wat", b"(module)\n", "add.wat")


def test_wasm_file_beside_the_case(tmp_path):
    (tmp_path / "empty.wasm").write_bytes(WASM_HEADER)
    path = write(tmp_path, "empty.yaml", "kind: probe\nmodule:\n  file: empty.wasm\n")
    assert load_case(path).module == ModuleSource("binary", WASM_HEADER, "empty.wasm")


def test_invalid_module_probe_without_calls(tmp_path):
    path = write(
        tmp_path,
        "bad-magic.yaml",
        "kind: probe\nvalid: false\nmodule:\n  hex: 00617379\n",
    )
    case = load_case(path)
    assert case.valid is False
    assert case.calls == ()


# --- bad cases ----------------------------------------------------------------------------

MODULE = 'module:\n  wat: "(module)"\n'  # two lines

BAD_CASES = {
    # id: (yaml, line, field, message pattern)
    "yaml syntax": (
        'kind: probe\nmodule:\n  wat: "(module)"\ndescription: a: b\n',
        4,
        None,
        "YAML syntax: mapping values are not allowed here",
    ),
    "yaml unclosed list": (
        'kind: probe\nmodule:\n  wat: "(module)"\ntags: [a, b\ntimeout: 5\n',
        5,
        None,
        "YAML syntax: expected ',' or ']'",
    ),
    "tab indentation": (
        "kind: probe\nmodule:\n\twat: x\n",
        3,
        None,
        "YAML syntax: found character '\\\\t'",
    ),
    "empty file": ("", 1, None, "the file is empty; a case needs at least 'module'"),
    "only a comment": ("# nothing yet\n", 1, None, "the file is empty"),
    "not a mapping": ("- a\n- b\n", 1, None, "is not of type 'object'"),
    "unknown top-level field": (
        MODULE + "kind: probe\ncolour: red\n",
        4,
        "colour",
        r"unknown field \(allowed: name, description, kind, .*calls, js\)",
    ),
    "unknown field in a call": (
        MODULE
        + "calls:\n"
        + "  - invoke: f\n    expect: [i32:1]\n"
        + "  - invoke: g\n    expct: [i32:1]\n",
        7,
        "calls[1].expct",
        r"unknown field \(allowed: invoke, args, expect, trap\)",
    ),
    "unknown field in module": (
        "kind: probe\nmodule:\n  wast: x\n",
        3,
        "module.wast",
        r"unknown field \(allowed: wat, file, files, hex, link, package\)",
    ),
    "timeout not a number": (
        MODULE + "kind: probe\ntimeout: fast\n",
        4,
        "timeout",
        "'fast' is not of type 'number'",
    ),
    "timeout not positive": (
        MODULE + "kind: probe\ntimeout: 0\n",
        4,
        "timeout",
        "0 is less than or equal to the minimum of 0",
    ),
    "name not a string": (MODULE + "kind: probe\nname: [x]\n", 4, "name", "not of type 'string'"),
    "name with a space": (
        MODULE + "kind: probe\nname: a b\n",
        4,
        "name",
        "'a b': a name starts with a letter or digit",
    ),
    "bad kind": (MODULE + "kind: test\n", 3, "kind", "'test' is not one of program, probe"),
    "bad feature": (
        MODULE + "kind: probe\nfeatures: [mvp, sign_ext]\n",
        4,
        "features[1]",
        "'sign_ext' is not one of mvp, mutable-globals, sign-ext,",
    ),
    "bad profile": (
        MODULE + "kind: probe\nprofiles:\n  - default\n  - simd\n",
        6,
        "profiles[1]",
        "'simd' is not one of default, lowered, mvp,",
    ),
    "module with two sources": (
        'kind: probe\nmodule:\n  wat: "(module)"\n  hex: "0061736d01000000"\n',
        3,
        "module",
        "give exactly one of wat, file, files, hex",
    ),
    "module with no source": (
        "kind: probe\nmodule: {}\n",
        2,
        "module",
        "give exactly one of wat, file, files, hex",
    ),
    "module missing": ("kind: probe\nname: x\n", 1, "module", "this field is required"),
    "hex not hex": (
        "kind: probe\nmodule:\n  hex: 00 zz\n",
        3,
        "module.hex",
        "'00 zz': only hex digits and whitespace",
    ),
    "file missing beside": (
        "kind: probe\nmodule:\n  file: nope.wat\n",
        3,
        "module.file",
        "cannot read 'nope.wat': No such file or directory",
    ),
    "file with the wrong suffix": (
        "kind: probe\nmodule:\n  file: module.txt\n",
        3,
        "module.file",
        "'module.txt': a module file must end in .wat, .wasm, .c, .rs, .zig",
    ),
    "absolute file": (
        "kind: probe\nmodule:\n  file: /etc/passwd.wat\n",
        3,
        "module.file",
        "a file name relative to the case file",
    ),
    "bad typed argument": (
        MODULE + "calls:\n  - invoke: f\n    args: [i32:1, i32:abc]\n    expect: [i32:1]\n",
        5,
        "calls[0].args[1]",
        "not an integer: i32:abc",
    ),
    "bad typed argument, block list": (
        MODULE + "calls:\n  - invoke: f\n    args:\n      - i32:1\n      - i32:abc\n",
        7,
        "calls[0].args[1]",
        "not an integer: i32:abc",
    ),
    "argument without a type": (
        MODULE + "calls:\n  - invoke: f\n    args: [5]\n",
        5,
        "calls[0].args[0]",
        "5 is not of type 'string'",
    ),
    "i32 overflow": (
        MODULE + "calls:\n  - invoke: f\n    args: [i32:4294967296]\n",
        5,
        "calls[0].args[0]",
        "i32:4294967296 does not fit in 32 bits",
    ),
    "bad expected value": (
        MODULE + "calls:\n  - invoke: f\n    expect:\n      - f32:1\n      - f32:nan:canonica\n",
        7,
        "calls[0].expect[1]",
        "not a floating-point value: f32:nan:canonica",
    ),
    "duplicate top-level key": (
        MODULE + "kind: probe\nkind: program\n",
        4,
        "kind",
        "duplicate key",
    ),
    "duplicate key in a call": (
        MODULE + "calls:\n  - invoke: f\n    invoke: g\n",
        5,
        "calls[0].invoke",
        "duplicate key",
    ),
    "program without calls": (
        MODULE,
        1,
        "calls",
        "a program needs at least one call",
    ),
    "call without invoke": (
        MODULE + "calls:\n  - args: [i32:1]\n",
        4,
        "calls[0].invoke",
        "this field is required",
    ),
    "valid false with calls": (
        # The line of the calls themselves (the first call).
        MODULE + "valid: false\ncalls:\n  - invoke: f\n",
        5,
        "calls",
        "a module that must be rejected cannot have calls",
    ),
    "call with expect and trap": (
        MODULE + "calls:\n  - invoke: f\n    expect: [i32:1]\n    trap: boom\n",
        4,
        "calls[0]",
        "a call has either 'expect' or 'trap', not both",
    ),
}


@pytest.mark.parametrize(("text", "line", "field", "message"), BAD_CASES.values(), ids=BAD_CASES)
def test_bad_case_says_where_and_what(tmp_path, text, line, field, message):
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(CaseError, match=message) as caught:
        load_case(path)
    error = caught.value
    assert error.path == path
    assert error.line == line
    assert error.field == field
    shown = str(error)
    assert shown.startswith(f"{path}:{line}: ")
    if field:
        assert f"field '{field}': " in shown
    assert error.message in shown


def test_unreadable_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"description: caf\xe9\n")
    with pytest.raises(CaseError, match="cannot read the file") as caught:
        load_case(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (path, None, None)


def test_hex_with_an_odd_number_of_digits(tmp_path):
    path = write(tmp_path, "odd.yaml", "kind: probe\nmodule:\n  hex: 0061736d0\n")
    with pytest.raises(CaseError) as caught:
        load_case(path)
    assert caught.value.field == "module.hex"
    assert caught.value.line == 3


# --- many cases ---------------------------------------------------------------------------


def test_load_cases_keeps_going_past_a_bad_case(tmp_path):
    write(tmp_path, "a.yaml", "kind: probe\nmodule:\n  wat: '(module)'\n")
    bad = write(tmp_path, "b.yaml", "kind: probe\nmodule:\n  wat: '(module)'\ncolour: red\n")
    (tmp_path / "more").mkdir()
    write(tmp_path / "more", "c.yml", "kind: probe\nmodule:\n  file: c.wat\n")
    (tmp_path / "more" / "c.wat").write_text("(module)")
    (tmp_path / "README.md").write_text("not a case")
    cases, errors = load_cases([tmp_path])
    assert sorted(case.name for case in cases) == ["a", "c"]
    assert len(errors) == 1
    assert errors[0].path == bad
    assert errors[0].field == "colour"


def test_find_case_files_takes_files_and_folders_once(tmp_path):
    one = write(tmp_path, "one.yaml", "")
    (tmp_path / "sub").mkdir()
    two = write(tmp_path / "sub", "two.yml", "")
    write(tmp_path, "notes.txt", "")
    assert find_case_files([tmp_path, one, tmp_path / "notes.txt"]) == sorted([one, two])


def test_a_file_name_that_is_no_case_name_is_an_error(tmp_path):
    path = write(tmp_path, "with space.yaml", "kind: probe\nmodule: {wat: '(module)'}\n")
    with pytest.raises(CaseError, match="must be letters, digits") as caught:
        load_case(path)
    assert caught.value.field == "name"


def test_a_name_field_rescues_an_awkward_file_name(tmp_path):
    path = write(
        tmp_path, "with space.yaml", "name: spaced\nkind: probe\nmodule: {wat: '(module)'}\n"
    )
    assert load_case(path).name == "spaced"


def test_one_program_in_several_languages(tmp_path):
    (tmp_path / "add.c").write_text("int add(int a, int b) { return a + b; }\n")
    (tmp_path / "add.rs").write_text(
        "#[no_mangle] pub extern fn add(a: i32, b: i32) -> i32 { a + b }\n"
    )
    path = write(
        tmp_path,
        "add.yaml",
        """\
        module:
          files: [add.c, add.rs]
        calls:
          - {invoke: add, args: ["i32:1", "i32:2"], expect: ["i32:3"]}
        """,
    )
    case = load_case(path)
    assert [source.format for source in case.sources] == ["c", "rust"]
    assert case.source_for("rust").origin == "add.rs"
    assert case.module.format == "c"


def test_two_files_of_one_language_are_an_error(tmp_path):
    (tmp_path / "a.c").write_text("")
    (tmp_path / "b.c").write_text("")
    path = write(tmp_path, "two.yaml", "kind: probe\nmodule:\n  files: [a.c, b.c]\n")
    with pytest.raises(CaseError, match="a second c source") as caught:
        load_case(path)
    assert (caught.value.line, caught.value.field) == (3, "module.files[1]")


def test_a_case_may_restrict_its_toolchains(tmp_path):
    from matrix.engines import load_engine_builds
    from matrix.planner import plan

    (tmp_path / "f.c").write_text("int f(void) { return 1; }\n")
    path = write(
        tmp_path,
        "f.yaml",
        """\
        kind: probe
        toolchains: ["clang-1*", zig-cc]
        module:
          file: f.c
        """,
    )
    case = load_case(path)
    assert case.toolchains == ("clang-1*", "zig-cc")
    engine = load_engine_builds()[0]
    chosen = {cell.toolchain for cell in plan([case], [engine])}
    assert chosen == {"clang-14", "clang-16", "clang-19", "zig-cc"}


@pytest.mark.parametrize("name", ["../outside.wat", "sub/../../outside.wat", "link.wat"])
def test_a_module_file_outside_the_case_folder_is_a_case_error(tmp_path, name):
    (tmp_path / "outside.wat").write_text("(module)\n")
    folder = tmp_path / "cases"
    (folder / "sub").mkdir(parents=True)
    (folder / "link.wat").symlink_to(tmp_path / "outside.wat")  # a link that leads out
    path = write(folder, "escape.yaml", f"kind: probe\nmodule:\n  file: {name}\n")
    with pytest.raises(CaseError, match="outside the case's folder") as caught:
        load_case(path)
    assert (caught.value.line, caught.value.field) == (3, "module.file")


def test_a_module_file_below_the_case_folder_is_fine(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.wat").write_text("(module)\n")
    path = write(tmp_path, "below.yaml", "kind: probe\nmodule:\n  file: sub/m.wat\n")
    assert load_case(path).module.content == b"(module)\n"


def test_a_trap_must_name_a_kind_of_trap(tmp_path):
    path = write(
        tmp_path,
        "boom.yaml",
        "module:\n  wat: '(module)'\ncalls:\n  - invoke: f\n    trap: boom\n",
    )
    with pytest.raises(CaseError, match="names no kind of trap") as caught:
        load_case(path)
    assert caught.value.field == "calls[0].trap"
    assert "integer divide by zero" in str(caught.value)


def test_the_spec_suites_wording_names_a_kind(tmp_path):
    path = write(
        tmp_path,
        "kinds.yaml",
        "module:\n  wat: '(module)'\ncalls:\n"
        "  - {invoke: f, trap: uninitialized element 2}\n"
        "  - {invoke: f, trap: null function reference}\n",
    )
    assert [call.trap for call in load_case(path).calls] == [
        "uninitialized element 2",
        "null function reference",
    ]
