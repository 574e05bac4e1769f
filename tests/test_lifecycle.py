"""A run's life as one object (matrix/lifecycle.py), driven without pytest: what the CLI, a
progress display or another front end would see."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from matrix import lifecycle
from matrix.debian import SystemPackages
from matrix.items import cell_toolchain
from matrix.lifecycle import MatrixRun
from matrix.records import CellResult
from matrix.results import read_results
from matrix.selection import Selection

from .helpers import NEWEST


def record(case: str, outcome: str) -> CellResult:
    return CellResult(
        case=case,
        toolchain="wat",
        profile="default",
        engine=NEWEST,
        outcome=outcome,
        case_file=f"cases/{case}.yaml",
        kind="probe",
        engine_family="wasmtime",
        engine_version="50.0.1",
        finished_at="2026-01-01T00:00:00.000+00:00",
    )


def test_a_run_from_its_folder_to_its_reports(tmp_path):
    selection = Selection(engines=[], reports=tmp_path / "runs", no_provision=True)
    run = MatrixRun(selection, project=tmp_path, arguments=["cases"], log=lambda text: None)
    seen = []
    # An observer runs after the record is on disk: a progress display may read the file.
    run.observe(lambda cell: seen.append((cell.case, len(read_results(run.folder)))))
    run.start()
    assert run.folder.parent == tmp_path / "runs"
    assert (tmp_path / "runs" / "latest").resolve() == run.folder.resolve()
    started = json.loads((run.folder / "run.json").read_text())
    assert started["finished_at"] is None and started["selection"]["arguments"] == ["cases"]
    run.record(record("one", "pass"))
    run.record(record("two", "trap"))
    assert seen == [("one", 1), ("two", 2)]
    run.planned(2)
    run.finish()
    finished = json.loads((run.folder / "run.json").read_text())
    assert finished["finished_at"] and finished["cells_planned"] == 2
    for written in ("summary.md", "junit.xml", "site/index.html"):
        assert (run.folder / written).exists(), written
    assert (tmp_path / "runs" / "history.jsonl").exists()
    run.record(record("three", "pass"))  # after the end: nothing more is written
    assert [r.case for r in read_results(run.folder)] == ["one", "two"]


class FakeToolchain:
    def __init__(self, name: str, provisioned: list[str], modes: list | None = None):
        self.name, self.provisioned, self.modes = name, provisioned, modes
        self.debian_packages = ()

    def provision(self, system: SystemPackages, log) -> None:
        if self.modes is not None:
            self.modes.append(system)
        self.provisioned.append(self.name)

    def unavailable_reason(self):
        return None

    def version(self) -> str:
        return f"{self.name} 1.0"


def test_only_the_toolchains_of_the_collected_cells_are_provisioned_once(tmp_path, monkeypatch):
    provisioned: list[str] = []
    fakes = {name: FakeToolchain(name, provisioned) for name in ("wat", "clang-19", "zig")}
    monkeypatch.setattr(lifecycle, "all_toolchains", lambda: fakes)
    run = MatrixRun(Selection(engines=[], reports=tmp_path), project=tmp_path, log=print)
    run.start()
    run.provision_toolchains(["clang-19", "wat", "clang-19"])
    run.provision_toolchains(["zig"])  # a second worker's collection: already done
    assert sorted(provisioned) == ["clang-19", "wat"]  # side by side: in any order
    facts = json.loads((run.folder / "run.json").read_text())["toolchains"]
    assert {fact["name"]: fact["version"] for fact in facts}["zig"] == "zig 1.0"
    run.close()


def test_no_provision_installs_no_toolchain(tmp_path, monkeypatch):
    provisioned: list[str] = []
    monkeypatch.setattr(
        lifecycle, "all_toolchains", lambda: {"wat": FakeToolchain("wat", provisioned)}
    )
    selection = Selection(engines=[], reports=tmp_path, no_provision=True)
    run = MatrixRun(selection, project=tmp_path, log=print)
    run.start()
    run.provision_toolchains(["wat"])
    assert provisioned == []
    run.close()


@pytest.mark.parametrize("refused", [False, True])
def test_toolchains_get_debian_packages_as_the_machine_allows_unless_refused(
    tmp_path, monkeypatch, refused
):
    provisioned: list[str] = []
    modes: list[SystemPackages] = []
    monkeypatch.setattr(
        lifecycle, "all_toolchains", lambda: {"wat": FakeToolchain("wat", provisioned, modes)}
    )
    selection = Selection(engines=[], reports=tmp_path, no_system_packages=refused)
    run = MatrixRun(selection, project=tmp_path, log=print)
    run.start()
    run.provision_toolchains(["wat"])
    run.close()
    # As root: installed; otherwise unpacked (on a Debian machine); refused: neither.
    if refused or shutil.which("apt-get") is None:
        assert modes == [SystemPackages.OFF]
    else:
        root = os.geteuid() == 0
        assert modes == [SystemPackages.INSTALL if root else SystemPackages.UNPACK]


def test_the_toolchain_of_a_cell_is_read_back_from_its_node_id():
    assert cell_toolchain(f"cases/probes/simd.yaml::clang-19/simd/{NEWEST}") == "clang-19"
    # One built file of a `module:` glob: its name comes first.
    assert cell_toolchain("wasm-cases/h.yaml::lib.wasm/prebuilt/default/node-22") == "prebuilt"
    assert cell_toolchain(f"suite/address.wast::{NEWEST}") is None  # a spec cell
    assert cell_toolchain("cases/bad.yaml::case") is None  # a case that did not load
