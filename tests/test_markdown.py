"""summary.md from hand-written run folders: tables, links into the site, the bounded
lists, the changes since the previous run, escaping, and its size at 100,000 cells."""

import json
import re

import pytest

from matrix.outcomes import Outcome
from matrix.records import CellResult
from matrix.reporting.ci import step_summary
from matrix.reporting.links import cell_link
from matrix.reporting.markdown import escape, render
from matrix.reporting.site import write_site
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


def link_of(record: dict) -> str:
    return cell_link(CellResult.from_record(record))


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


def links(text):
    """Every Markdown link target of the text."""
    return re.findall(r"(?<!\\)\]\(([^)]+)\)", text)  # an escaped \\] is text


def test_feature_table_has_an_engine_per_row_and_a_feature_per_column(run_folder):
    text = render(run_folder)
    header, rule, *rows = table_after(text, "## Features × engines")
    assert cells(header) == ["engine", "mvp", "sign-ext", "gc"]  # in profiles.py order
    assert set(rule) <= {"|", "-"}
    by_engine = {cells(row)[0]: cells(row) for row in rows}
    assert list(by_engine) == ["wasmtime-20", "wasm3-0.5"]  # in run.json order
    assert by_engine["wasmtime-20"][1:] == ["✅ pass", "✅ pass", "✅ pass 2/2"]
    mvp, sign_ext, gc = by_engine["wasm3-0.5"][1:]
    assert mvp == f"[💥 trap](site/{link_of(RECORDS[7])})"
    assert sign_ext == f"[🚫 reject](site/{link_of(RECORDS[1])})"
    # Two gc probes on wasm3: one reject, one fail; the worse (fail) shows, 0 of 2 passed.
    assert gc.startswith("[❌ fail 0/2](site/cases/")
    assert "sign-ext = signExtensions" in text


def test_every_link_leads_to_its_cell_on_the_site(run_folder):
    write_site(run_folder)
    text = render(run_folder)
    found = links(text)
    assert len(found) >= 8
    for link in found:
        path, _, anchor = link.partition("#")
        page = (run_folder / path).read_text("utf-8")
        if anchor:
            assert f'id="{anchor}"' in page, link


def test_each_engine_lists_its_worst_cells_with_the_message(run_folder):
    text = render(run_folder)
    section = text[text.index("### wasm3-0.5: 4 of 4 (") :].split("\n\n#")[0]
    assert "(1 fail, 1 trap, 2 reject)" in section
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert lines[0].startswith(f"- [❌ fail](site/{link_of(RECORDS[4])}) gc-casts · wat")
    assert lines[0].endswith("cast() returned i32:0")
    assert [line.split("]")[0] for line in lines] == [
        "- [❌ fail",
        "- [💥 trap",
        "- [🚫 reject",
        "- [🚫 reject",
    ]


def test_a_long_list_is_cut_and_skips_fold_by_reason(tmp_path):
    engine = "wasmtime-20"
    records = [record(f"r{i:03}", engine, "reject", message=f"no {i}") for i in range(300)]
    records += [
        record(f"s{i:03}", engine, "skip", message="clang-19 is not installed: run X")
        for i in range(50)
    ]
    records += [record("t", engine, "skip", message="profile mvp is not expressible")]
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / RESULTS).write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / RUN).write_text(json.dumps({"engines": [{"id": engine}]}))
    text = render(folder)
    assert "- … and 292 more" in text  # 8 listed
    assert "- ➖ 50 skip: clang-19 is not installed: run X (e.g. [s000 · wat · default](" in text
    assert "- ➖ 1 skip: profile mvp is not expressible" in text
    assert "r299" not in text


def test_untrusted_text_is_not_markup(run_folder):
    text = render(run_folder)
    prose = outside_code_blocks(text)
    assert "<script>" not in prose
    assert "</script>" not in prose
    assert "[link](" not in prose
    assert "[x](javascript" not in prose
    assert "&lt;script&gt;" in prose  # still there, as text
    evil = next(
        line for line in text.splitlines() if line.startswith("- [❌ fail") and "evil" in line
    )
    assert evil.endswith(escape(EVIL_MESSAGE))  # the message stays on its own list item
    assert all(link.startswith("site/cases/") for link in links(text))


def test_table_rows_keep_their_column_count(run_folder):
    text = render(run_folder)
    for heading in ("## Features × engines", "## Engines"):
        table = table_after(text, heading)
        widths = {len(cells(row)) for row in table}
        assert len(widths) == 1, table


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
    assert cells(row)[2].startswith("[🚫 reject 1/2](site/cases/dispatch-")


def write_run(folder, records, run=None):
    folder.mkdir(parents=True)
    (folder / RESULTS).write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    (folder / RUN).write_text(json.dumps(run or RUN_JSON), "utf-8")
    return folder


def test_changes_since_the_previous_run_beside_it(tmp_path):
    before = [dict(r) for r in RECORDS]
    before[0]["outcome"] = "reject"  # sign-ext on wasmtime-20: fixed since
    before[2]["outcome"] = "pass"  # (unchanged)
    before[1]["outcome"] = "pass"  # sign-ext on wasm3: regressed since
    write_run(tmp_path / "20251231T000000Z", before)
    write_run(tmp_path / "20250101T000000Z", [])  # older still: not the previous run
    folder = write_run(tmp_path / "20260101T000000Z", RECORDS)
    write_run(tmp_path / "20270101T000000Z", RECORDS)  # newer: never the previous run
    text = render(folder)
    section = text[text.index("## Changes since the previous run (20251231T000000Z)") :]
    section = section.split("\n## ")[0]
    assert "**1 regressions**, 1 fixes, 0 other changes of outcome" in section
    regression = f"- [🚫 reject](site/{link_of(RECORDS[1])}) sign-ext · wat · default · "
    assert f"{regression}wasm3-0.5 (was pass): unknown opcode 0xc0" in section
    rates = table_after(section, "| engine | pass rate before")
    assert [cells(row)[0] for row in rates[2:]] == ["wasm3-0.5", "wasmtime-20"]  # both by 25
    assert cells(rates[2])[1:4] == ["25.0%", "0.0%", "-25.0 points"]
    assert "## Changes since" not in render(tmp_path / "20250101T000000Z")


def test_first_measured_version_per_family(tmp_path):
    records = [
        {**record("sign-ext", "wasmtime-10", "reject", ["sign-ext"]), "engine_version": "10.0"},
        {**record("sign-ext", "wasmtime-20", "pass", ["sign-ext"]), "engine_version": "20.0"},
        {**record("gc", "wasmtime-10", "pass", ["gc"]), "engine_version": "10.0"},
        {**record("gc", "wasmtime-20", "pass", ["gc"]), "engine_version": "20.0"},
    ]
    text = render(write_run(tmp_path / "run", records, {"engines": []}))
    header, _, row = table_after(text, "## First measured version that passes")
    assert cells(header) == ["family", "versions", "sign-ext", "gc"]
    assert cells(row) == ["wasmtime", "10.0, 20.0", "20.0", "≤ 10.0"]


def synthetic(cases: int, engines: int, shift: int = 0):
    """cases × engines records with every outcome, as bench/scale.py makes them (only the
    fields the summary reads, so the test spends its time in the summary)."""
    outcomes = ["pass"] * 14 + ["fail", "trap", "reject", "crash", "timeout", "skip"]
    for c in range(cases):
        for e in range(engines):
            index = c * engines + e + shift
            outcome = outcomes[index % len(outcomes)]
            yield {
                "case": f"synthetic-{c:05}",
                "toolchain": "wat",
                "profile": "default",
                "engine": f"engine-{e:03}",
                "outcome": outcome,
                "kind": "probe" if c % 10 == 0 else "program",
                "features": ["simd128"],
                "message": "" if outcome == "pass" else f"synthetic message {index}\nline 2",
            }


def test_the_summary_of_100k_cells_fits_a_page_and_a_job_summary(tmp_path):
    run = {"engines": [{"id": f"engine-{e:03}"} for e in range(100)], "cells_planned": 100_000}
    write_run(tmp_path / "20260101T000000Z", list(synthetic(100, 100, shift=3)), run)
    folder = write_run(tmp_path / "20260102T000000Z", list(synthetic(1000, 100)), run)
    text = render(folder)
    assert "**" in text.split("## Changes since the previous run")[1].split("\n")[2]
    assert "## Cells that did not pass, per engine" in text
    assert len(text.encode()) < 200_000, len(text.encode())
    job = step_summary(folder, url="https://example.invalid/matrix")
    assert len(job.encode()) < 1024 * 1024
    assert "](https://example.invalid/matrix/cases/" in job


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
    details = text.split("## Cells that did not pass, per engine")[1]
    assert "### binaryen-js-1: 1 of 2 (1 invalid)" in details  # invalid is worth a look
    assert "gc · wat · default" in details
    assert "sign-ext · wat · default" not in details  # valid is not, nor a pass
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
    details = text.split("## Cells that did not pass, per engine")[1]
    assert "right · wat" in details and "wrong · wat" not in details
    assert "wrong (wat)" not in text.split("## Cells that did not pass")[0]  # not in tables
    assert pass_rates([CellResult.from_record(r) for r in records]) == {"wasmtime-20": (1, 1)}
