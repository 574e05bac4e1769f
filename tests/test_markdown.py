"""summary.md from a hand-written run folder: tables, links to details, escaping."""

import json
import re

import pytest

from matrix.outcomes import Outcome
from matrix.records import CellResult
from matrix.reporting.markdown import render
from matrix.results import RESULTS, RUN

EVIL = "evil<script>alert(1)</script>|pipe|`tick`[link](https://example.invalid)"
EVIL_MESSAGE = "<script>alert(2)</script> | ``` [x](javascript:alert(3)) **bold**"


def record(case, engine, outcome, features=(), kind="probe", message="", profile="default"):
    return {
        "case": case,
        "toolchain": "wat",
        "profile": profile,
        "engine": engine,
        "outcome": outcome,
        "message": message,
        "case_file": f"cases/probes/{case}.yaml",
        "kind": kind,
        "features": list(features),
        "engine_family": engine.split("-")[0],
        "engine_version": "1",
        "engine_disabled": [],
        "toolchain_version": "",
        "module_sha256": "",
        "module_size": 8,
        "build_command": "",
        "build_cached": False,
        "rerun": f"wasm-matrix run cases/probes/{case}.yaml --engines {engine}",
        "duration_ms": 1.0,
        "finished_at": "2026-01-01T00:00:01+00:00",
    }


RECORDS = [
    record("sign-ext", "wasmtime-20", "pass", ["sign-ext"]),
    record("sign-ext", "wasm3-0.5", "reject", ["sign-ext"], message="unknown opcode 0xc0"),
    record("gc", "wasmtime-20", "pass", ["gc"]),
    record("gc", "wasm3-0.5", "reject", ["gc"], message="unknown type"),
    record("gc-casts", "wasm3-0.5", "fail", ["gc"], message="cast() returned i32:0"),
    record("gc-casts", "wasmtime-20", "pass", ["gc"]),
    record("mvp", "wasmtime-20", "pass", ["mvp"]),
    record("mvp", "wasm3-0.5", "trap", ["mvp"], message="fact(i64:20) trapped: boom"),
    record(EVIL, "wasmtime-20", "fail", kind="program", message=EVIL_MESSAGE),
]

RUN_JSON = {
    "wasm_matrix": "0.1.0",
    "started_at": "2026-01-01T00:00:00+00:00",
    "finished_at": "2026-01-01T00:01:00+00:00",
    "cells_planned": len(RECORDS),
    "selection": {},
    "engines": [
        {
            "id": "wasmtime-20",
            "family": "wasmtime",
            "version": "20",
            "disabled": [],
            "handshake": {"version": "20.0.2", "language": "python", "language_version": "3.11"},
        },
        {"id": "wasm3-0.5", "family": "wasm3", "version": "0.5", "disabled": ["simd128"]},
    ],
    "toolchains": [],
    "machine": {"os": "Linux", "cpus": 8},
    "revision": "abc123",
}


@pytest.fixture
def run_folder(tmp_path):
    folder = tmp_path / "20260101T000000Z"
    folder.mkdir()
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)
    (folder / RESULTS).write_text(lines, "utf-8")
    (folder / RUN).write_text(json.dumps(RUN_JSON), "utf-8")
    return folder


def cells(row):
    """The cells of a Markdown table row (a `\\|` is text, not a separator)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def table_after(text, heading):
    lines = text[text.index(heading) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


def outside_code_blocks(text):
    """The text a renderer treats as markup: fenced blocks and code spans are literal."""
    without_blocks = re.sub(r"^(`{3,})text\n.*?^\1$", "", text, flags=re.S | re.M)
    return re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", without_blocks)


def test_feature_table_has_an_engine_per_row_and_a_feature_per_column(run_folder):
    text = render(run_folder)
    header, rule, *rows = table_after(text, "## Features × engines")
    assert cells(header) == ["engine", "mvp", "sign-ext", "gc"]  # in profiles.py order
    assert set(rule) <= {"|", "-"}
    by_engine = {cells(row)[0]: cells(row) for row in rows}
    assert list(by_engine) == ["wasmtime-20", "wasm3-0.5"]  # in run.json order
    assert by_engine["wasmtime-20"][1:] == ["✅ pass", "✅ pass", "✅ pass 2/2"]
    mvp, sign_ext, gc = by_engine["wasm3-0.5"][1:]
    assert mvp.startswith("[💥 trap](#cell-")
    assert re.fullmatch(r"\[🚫 reject\]\(#cell-\d+\)", sign_ext)
    # Two gc probes on wasm3: one reject, one fail; the worse (fail) shows, 0 of 2 passed.
    assert gc.startswith("[❌ fail 0/2](#cell-")
    assert "sign-ext = signExtensions" in text


def test_every_link_leads_to_a_detail_that_exists(run_folder):
    text = render(run_folder)
    links = re.findall(r"\]\(#([^)]+)\)", text)
    anchors = re.findall(r'<a id="([^"]+)"></a>', text)
    assert len(links) >= 5
    assert set(links) <= set(anchors)
    # One detail section per cell that did not pass.
    assert len(anchors) == sum(1 for r in RECORDS if r["outcome"] != Outcome.PASS)


def test_the_link_of_a_cell_leads_to_its_own_detail(run_folder):
    text = render(run_folder)
    header, _, *rows = table_after(text, "## Features × engines")
    row = next(cells(line) for line in rows if cells(line)[0] == "wasm3-0.5")
    sign_ext = row[cells(header).index("sign-ext")]
    anchor = re.search(r"\(#(cell-\d+)\)", sign_ext).group(1)
    detail = text[text.index(f'<a id="{anchor}"></a>') :].split("<a id=")[1]
    assert "sign-ext · wat · default · wasm3-0.5" in detail
    assert "unknown opcode 0xc0" in detail


def test_untrusted_text_is_not_markup(run_folder):
    text = render(run_folder)
    prose = outside_code_blocks(text)
    assert "<script>" not in prose
    assert "</script>" not in prose
    assert "[link](" not in prose
    assert "[x](javascript" not in prose
    assert "&lt;script&gt;" in prose  # still there, as text


def test_untrusted_message_stays_inside_its_code_block(run_folder):
    text = render(run_folder)
    fence = re.search(r"^(`{3,})text\n" + re.escape(EVIL_MESSAGE) + r"\n(`+)$", text, re.M)
    assert fence is not None
    assert fence.group(1) == fence.group(2)
    assert len(fence.group(1)) > 3  # longer than the ``` inside the message


def test_table_rows_keep_their_column_count(run_folder):
    text = render(run_folder)
    tables = [table_after(text, "## Features × engines")]
    tables.append(table_after(text, "## Cases × engines, profile `default`"))
    tables.append(table_after(text, "## Engines"))
    for table in tables:
        widths = {len(cells(row)) for row in table}
        assert len(widths) == 1, table
    header, _, *rows = tables[1]
    evil_column = next(i for i, cell in enumerate(cells(header)) if "evil" in cell)
    by_engine = {cells(row)[0]: cells(row) for row in rows}
    assert len(cells(header)) == 6  # engine + five cases: the evil name split nothing
    assert by_engine["wasmtime-20"][evil_column].startswith("[❌ fail](#cell-")
    assert by_engine["wasm3-0.5"][evil_column] == ""


def test_torn_last_line_is_ignored(run_folder):
    with open(run_folder / RESULTS, "a", encoding="utf-8") as results:
        results.write('{"case": "torn", "toolchain": "wat", "engine": "wasmti')
    text = render(run_folder)
    assert "torn" not in text
    assert text.startswith("# wasm-matrix report: run 20260101T000000Z\n")
    assert f"{len(RECORDS)} cells (" in text


def test_missing_cells_are_counted(run_folder):
    run = dict(RUN_JSON, cells_planned=len(RECORDS) + 2, finished_at=None)
    (run_folder / RUN).write_text(json.dumps(run), "utf-8")
    text = render(run_folder)
    assert f"**2 of {len(RECORDS) + 2} planned cells have no result.**" in text
    assert "not yet (interrupted or running)" in text


def test_engines_table(run_folder):
    rows = table_after(render(run_folder), "## Engines")[2:]
    assert cells(rows[0]) == ["wasmtime-20", "20.0.2", "python 3.11", "–", ""]
    assert cells(rows[1]) == ["wasm3-0.5", "0.5", "", "simd128", ""]


def code_span_text(line):
    """What a CommonMark code span at the start of `line` shows: up to the next equal run."""
    opening = re.match(r"`+", line).group(0)
    rest = line[len(opening) :]
    closing = re.search(rf"(?<!`){opening}(?!`)", rest)
    return rest[: closing.start()]


def test_case_file_is_shown_as_it_is(run_folder):
    text = render(run_folder)
    line = next(
        line for line in text.splitlines() if line.startswith("- case file:") and "evil" in line
    )
    shown = code_span_text(line.removeprefix("- case file: ")).strip()
    assert shown == f"cases/probes/{EVIL}.yaml"


def test_the_report_does_not_depend_on_the_order_cells_finished(run_folder):
    before = render(run_folder)
    reversed_lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reversed(RECORDS))
    (run_folder / RESULTS).write_text(reversed_lines, "utf-8")
    assert render(run_folder) == before


def test_toolchain_defaults_fold_each_compilers_default_builds(tmp_path):
    def built(case, toolchain, profile, engine, outcome):
        return {
            **record(case, engine, outcome, kind="program"),
            "toolchain": toolchain,
            "profile": profile,
        }

    old = "wasmtime-48.0.0[-reference-types]"
    records = [
        built("dispatch", "clang-19", "default", old, "reject"),
        built("sort", "clang-19", "default", old, "pass"),
        built("dispatch", "clang-9", "default", old, "pass"),
        built("sort", "clang-9", "default", old, "pass"),
        built("dispatch", "clang-19", "mvp", old, "pass"),  # not a default build
        built("adder", "wat", "default", old, "pass"),  # text has no defaults
    ]
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / RESULTS).write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / RUN).write_text(json.dumps({"engines": [{"id": old}]}))
    header, _, *rows = table_after(render(folder), "## Toolchain defaults × engines")
    assert cells(header) == ["engine", "clang-9", "clang-19"]  # versions in number order
    (row,) = rows
    assert cells(row)[1] == "✅ pass 2/2"
    assert cells(row)[2].startswith("[🚫 reject 1/2](#cell-")


def write_run(folder, records):
    folder.mkdir()
    (folder / RESULTS).write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    (folder / RUN).write_text(json.dumps({**RUN_JSON, "cells_planned": len(records)}), "utf-8")
    return folder


def test_validator_cells_are_valid_apart_from_what_executes(tmp_path):
    from matrix.reporting.badges import pass_rates

    records = [
        record("sign-ext", "wasmtime-20", "pass", ["sign-ext"]),
        {**record("sign-ext", "binaryen-js-1", "valid", ["sign-ext"]), "executes": False},
        {**record("gc", "binaryen-js-1", "invalid", ["gc"], message="gc off"), "executes": False},
    ]
    text = render(write_run(tmp_path / "run", records))
    assert "Validator-only builds, which execute nothing" in text
    assert "binaryen-js-1" in text.split("Validator-only builds")[1].splitlines()[0]
    assert f"{Outcome.VALID.symbol} valid" in text
    assert f"`valid`: {Outcome.VALID.meaning}" in text  # the legend
    assert "Traps are compared by kind" in text
    details = text.split("## Cells that did not pass")[1]
    assert "gc · wat · default · binaryen-js-1" in details  # invalid is worth a look
    assert "sign-ext · wat · default · binaryen-js-1" not in details  # valid is not
    typed = [CellResult.from_record(r) for r in records]
    assert pass_rates(typed) == {"wasmtime-20": (1, 1)}  # no pass rate for a validator


def test_controls_are_counted_apart_and_a_passed_one_is_listed(tmp_path):
    from matrix.reporting.badges import pass_rates

    records = [
        record("mvp", "wasmtime-20", "pass", ["mvp"]),
        {**record("wrong", "wasmtime-20", "fail", kind="program"), "control": True},
        {
            **record("right", "wasm3-0.5", "error", kind="program", message="harness defect"),
            "control": True,
        },
    ]
    text = render(write_run(tmp_path / "run", records))
    assert "Controls (cases whose expectations are wrong on purpose): 2 cells" in text
    assert "1 passed: harness defects" in text
    details = text.split("## Cells that did not pass")[1]
    assert "right · wat" in details and "wrong · wat" not in details
    assert "wrong (wat)" not in text.split("## Cells that did not pass")[0]  # not in tables
    assert pass_rates([CellResult.from_record(r) for r in records]) == {"wasmtime-20": (1, 1)}
