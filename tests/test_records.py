"""Cell records: results.jsonl lines read back as typed records and written back unchanged."""

from __future__ import annotations

import json

from matrix.records import CellResult, SpecCellResult
from matrix.results import ResultsWriter, read_results, record_line

CASE_LINE = {
    "case": "sign-ext",
    "toolchain": "wat",
    "profile": "default",
    "engine": "wasmtime-50.0.1",
    "outcome": "pass",
    "message": "1 call as expected",
    "kind": "probe",
    "features": ["sign-ext"],
    "engine_family": "wasmtime",
    "required": False,
    "duration_ms": 1.5,
}
SPEC_LINE = {
    "case": "i32.wast",
    "toolchain": "wast",
    "profile": "suite",
    "engine": "node-24",
    "outcome": "fail",
    "kind": "spec",
    "assertions": {"assert_return": {"pass": 3, "fail": 1, "skip": 0, "off": 0}},
    "failures": [{"line": 7, "command": "assert_return"}],
}


def test_a_case_line_reads_back_typed_and_writes_back_the_same_bytes():
    full = CellResult(**CASE_LINE).to_record()  # as a runner writes it: every key
    record = CellResult.from_record(json.loads(record_line(full)))
    assert type(record) is CellResult
    assert record.key == ("sign-ext", "wat", "default", "wasmtime-50.0.1")
    assert record.required is False and record.features == ["sign-ext"]
    assert record_line(record.to_record()) == record_line(full)


def test_a_spec_line_is_a_spec_record():
    record = CellResult.from_record(SPEC_LINE)
    assert isinstance(record, SpecCellResult)
    assert record.assertions["assert_return"]["fail"] == 1
    assert record.failures[0]["line"] == 7
    assert record.message == ""  # absent keys take the record's defaults


def test_keys_a_newer_writer_added_survive_a_rewrite(tmp_path):
    newer = {**CASE_LINE, "wasi_exit_code": 3, "module_sha256": "ab" * 32}
    writer = ResultsWriter(tmp_path)
    writer.write(newer)
    writer.write(CellResult.from_record(SPEC_LINE))
    writer.write({"not": "a cell"})  # a foreign line is skipped by readers, not fatal
    writer.close()
    first, second = read_results(tmp_path)
    assert first.extra == {"wasi_exit_code": 3}
    assert first.to_record()["wasi_exit_code"] == 3
    assert isinstance(second, SpecCellResult) and second.kind == "spec"
