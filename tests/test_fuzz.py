"""Fuzzed input (hypothesis): the case loader and the module scanner meet random and
mutated input and answer only with their documented error, with a location.

CI runs the `ci` settings profile (tests/conftest.py); a long run:
`pytest tests/test_fuzz.py --hypothesis-profile=long -p no:xdist -s`. Each test prints how
many inputs it tried.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrix.cases import Case, CaseError, case_schema, load_case
from matrix.scanner import ScanError, ScanReport, scan

REPO = Path(__file__).resolve().parents[1]
CASE_FILES = sorted((REPO / "cases").rglob("*.yaml"))
CASE_TEXTS = [path.read_text("utf-8") for path in CASE_FILES]
FIELDS = sorted(case_schema()["properties"])
tried: Counter[str] = Counter()
_running = {"test": ""}


@pytest.fixture(autouse=True)
def print_inputs_tried(request, capsys):
    """After each fuzz test: how many inputs it tried (also a property in JUnit XML)."""
    name = _running["test"] = request.node.name
    yield
    count = tried.pop(name, 0)
    request.node.user_properties.append(("inputs_tried", count))
    with capsys.disabled():
        print(f"\nfuzz: {name}: {count} inputs tried")


# --- the case loader ---------------------------------------------------------------------------


def load_or_case_error(text: str | bytes) -> Case | CaseError:
    """Load the text as a case file: a Case, or a CaseError that says where; nothing else."""
    tried[_running["test"]] += 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, "utf-8", errors="surrogatepass")
        try:
            return load_case(path)
        except CaseError as error:
            assert error.path == path
            assert str(error).startswith(str(path))
            assert error.message
            # Where: a line in the file, or the field (a file that cannot be read has neither).
            assert error.line is not None or error.field is not None or "read" in error.message
            if error.line is not None:
                assert 1 <= error.line <= max(1, len(_lines(text)) + 1)
            return error


def _lines(text: str | bytes) -> list:
    """Lines as YAML counts them (\r, \r\n, \n and the Unicode line breaks)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text.splitlines()


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["i32:1", "i64:-1", "f32:nan", "f64:0x1p-1074", "v128:i8x16 1", "i32:"])
)
keys = st.sampled_from(
    [*FIELDS, "wat", "hex", "file", "files", "invoke", "args", "expect"]
) | st.text(max_size=10)
structures = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)
case_like = st.fixed_dictionaries(
    {},
    optional={name: structures for name in FIELDS},
)


@given(st.text(max_size=400))
def test_random_text_is_a_case_or_a_case_error(text):
    load_or_case_error(text)


@given(st.binary(max_size=200))
def test_random_bytes_are_a_case_or_a_case_error(data):
    load_or_case_error(data)


@given(case_like | structures)
def test_random_yaml_structures_are_a_case_or_a_case_error(data):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    load_or_case_error(text)


@st.composite
def mutated_case_text(draw) -> str:
    """A real case file with a few characters set, inserted or deleted, or a line moved."""
    text = list(draw(st.sampled_from(CASE_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(text) - 1)))
        action = draw(st.sampled_from(("set", "insert", "delete", "yaml")))
        if action == "set" and text:
            text[at] = draw(st.characters())
        elif action == "insert":
            text[at:at] = draw(st.text(max_size=4))
        elif action == "yaml":  # characters that mean something to YAML
            text[at:at] = draw(
                st.sampled_from(
                    [
                        ":",
                        "- ",
                        "\n",
                        "  ",
                        "[",
                        "{",
                        "&a ",
                        "*a",
                        "!!python/object ",
                        "'",
                        '"',
                        "#",
                        "|",
                        ">",
                    ]
                )
            )
        else:
            del text[at : at + draw(st.integers(1, 8))]
    return "".join(text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(mutated_case_text())
def test_mutated_real_cases_are_a_case_or_a_case_error(text):
    load_or_case_error(text)


@given(st.sampled_from(CASE_TEXTS), st.sampled_from(FIELDS), structures)
def test_a_real_case_with_one_field_replaced_is_a_case_or_a_case_error(text, field, value):
    data = yaml.safe_load(text)
    data[field] = value
    load_or_case_error(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_python_tags_are_refused_with_a_line_not_run():
    error = load_or_case_error(
        'module: {wat: "(module)"}\ncalls: !!python/object/apply:os.system ["true"]\n'
    )
    assert isinstance(error, CaseError) and error.line == 2


def test_yaml_aliases_are_refused_before_they_expand():
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n"
        for a, b in zip("abcdefg", "bcdefgh", strict=True)
    )
    for text in (laughs + 'module: {wat: "(module)"}\n', "tags: &t [*t]\nmodule: {wat: x}\n"):
        error = load_or_case_error(text)
        assert isinstance(error, CaseError) and "aliases" in error.message


# --- the module scanner ------------------------------------------------------------------------


def real_modules() -> list[bytes]:
    """The corpus's modules that need no compiler: WAT (through wasmtime) and binaries."""
    import wasmtime

    modules = []
    for path in CASE_FILES:
        case = load_case(path)
        source = case.module
        if source.format == "wat":
            modules.append(bytes(wasmtime.wat2wasm(source.content.decode("utf-8"))))
        elif source.format == "binary" and source.content.startswith(b"\0asm"):
            modules.append(source.content)
    return modules


MODULES = real_modules()


def scan_or_scan_error(module: bytes) -> ScanReport | ScanError:
    tried[_running["test"]] += 1
    try:
        return scan(module)
    except ScanError as error:
        assert 0 <= error.offset <= len(module)
        assert error.message
        return error


@st.composite
def mutated_module(draw) -> bytes:
    module = bytearray(draw(st.sampled_from(MODULES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(module) - 1))
        action = draw(st.sampled_from(("set", "insert", "delete", "leb", "truncate")))
        if action == "set":
            module[at] = draw(st.integers(0, 255))
        elif action == "insert":
            module[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "leb":  # a long or endless LEB128 run, as a hostile size field
            module[at:at] = b"\xff" * draw(st.integers(1, 12))
        elif action == "truncate":
            del module[at:]
            break
        else:
            del module[at : at + draw(st.integers(1, 8))]
    return bytes(module)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(mutated_module())
def test_mutated_real_modules_scan_or_raise_scan_error(module):
    scan_or_scan_error(module)


@given(st.binary(max_size=300))
def test_random_bytes_scan_or_raise_scan_error(data):
    scan_or_scan_error(data)
    scan_or_scan_error(b"\0asm\x01\0\0\0" + data)


def test_every_real_module_cut_anywhere_scans_or_raises_scan_error():
    """Deterministic: every prefix of a few modules (a download cut short)."""
    rng = random.Random(7)
    for module in rng.sample(MODULES, min(6, len(MODULES))):
        for end in range(len(module)):
            scan_or_scan_error(module[:end])
