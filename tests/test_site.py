"""The static HTML site: pages, escaping, spec pass rates, and Chromium rendering it offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest

from matrix.analysis.versions import first_passing
from matrix.records import CellResult
from matrix.reporting.site import cell_page, write_site
from matrix.results import RESULTS, RUN, read_results

from .helpers import NEWEST, OLDER, REPO, wasm_matrix

EVIL = "evil<script>document.title='PWNED'</script><img src=x onerror=alert(1)>"
EVIL_MESSAGE = "</pre><script>document.title='PWNED2'</script>"


def record(case, engine, outcome, features=(), kind="probe", message="", version="1", **extra):
    family = engine.split("-")[0]
    return {
        "case": case,
        "toolchain": "wat",
        "profile": "default",
        "engine": engine,
        "outcome": outcome,
        "message": message,
        "case_file": f"cases/probes/{case}.yaml",
        "kind": kind,
        "features": list(features),
        "engine_family": family,
        "engine_version": version,
        "engine_disabled": [],
        "module_sha256": "ab" * 32,
        "module_uses": list(features),
        "build_command": "wat2wasm probe.wat",
        "rerun": f"wasm-matrix run cases/probes/{case}.yaml --engines {engine}",
        "duration_ms": 1.0,
        **extra,
    }


def page_of(record: dict) -> str:
    """The file name of a record's cell page."""
    return cell_page(CellResult.from_record(record))


def spec_record(script, engine, passed, failed, outcome):
    return record(
        script,
        engine,
        outcome,
        kind="spec",
        toolchain="wast",
        message=f"{passed}/{passed + failed} assertions pass, {failed} fail",
        assertions={
            "assert_return": {"pass": passed - 1, "fail": failed, "skip": 2, "off": 0},
            "module": {"pass": 1, "fail": 0, "skip": 0, "off": 3},
        },
        failures=[
            {"line": 10 + i, "command": "assert_return", "expected": "i32:1", "actual": "i32:2"}
            for i in range(failed)
        ],
    )


RECORDS = [
    record("sign-ext", "wasmtime-20", "pass", ["sign-ext"], version="20.0.0"),
    record("sign-ext", "wasmtime-10", "pass", ["sign-ext"], version="10.0.0"),
    record("tail-call", "wasmtime-20", "pass", ["tail-call"], version="20.0.0"),
    record("tail-call", "wasmtime-10", "reject", ["tail-call"], message="no", version="10.0.0"),
    record("sign-ext", "wasm3-0.5", "reject", ["sign-ext"], message="unknown opcode 0xc0"),
    record("tail-call", "wasm3-0.5", "reject", ["tail-call"], message="unknown opcode 0x12"),
    record(EVIL, "wasmtime-20", "fail", kind="program", message=EVIL_MESSAGE, version="20.0.0"),
    spec_record("address.wast", "wasmtime-20", 99, 1, "fail"),
    spec_record("address.wast", "wasm3-0.5", 50, 0, "pass"),
    record(EVIL, "wasm3-0.5", "reject", ["sign-ext"], message="a probe with an evil name"),
]
RUN_JSON = {
    "started_at": "2026-01-01T00:00:00+00:00",
    "finished_at": "2026-01-01T00:01:00+00:00",
    "cells_planned": len(RECORDS),
    "engines": [
        {"id": "wasmtime-20", "family": "wasmtime", "version": "20", "disabled": []},
        {"id": "wasmtime-10", "family": "wasmtime", "version": "10", "disabled": []},
        {"id": "wasm3-0.5", "family": "wasm3", "version": "0.5", "disabled": []},
    ],
}


@pytest.fixture
def site(tmp_path) -> Path:
    folder = tmp_path / "20260101T000000Z"
    folder.mkdir()
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)
    (folder / RESULTS).write_text(text, "utf-8")
    (folder / RUN).write_text(json.dumps(RUN_JSON), "utf-8")
    return write_site(folder).parent


class Tables(HTMLParser):
    """Every table of a page as rows of cell texts, by the table's id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[str] = []
        self.scripts = 0
        self.images = 0
        self._table, self._row, self._cell = None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.images += 1
        if tag in ("a", "link", "img", "script") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id") or f"t{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> Tables:
    parser = Tables()
    parser.feed(path.read_text("utf-8"))
    return parser


def test_overview_feature_table_has_an_engine_per_row(site):
    table = parse(site / "index.html").tables["features-table"]
    header, *rows = table
    assert header == ["engine", "sign-ext", "tail-call"]
    by_engine = {row[0]: row[1:] for row in rows}
    assert by_engine["wasmtime-20"] == ["✅ pass", "✅ pass"]
    assert by_engine["wasmtime-10"] == ["✅ pass", "🚫 reject"]
    assert by_engine["wasm3-0.5"] == ["🚫 reject 0/2", "🚫 reject"]  # two sign-ext probes


def test_first_measured_version_that_passes(site):
    rows = parse(site / "index.html").tables["first-table"]
    assert rows[0] == ["family", "versions measured", "sign-ext", "tail-call"]
    # wasmtime 10 and 20 measured: sign-ext passes on both (so maybe older still), tail-call
    # from 20. wasm3 has a single version: no series, no row.
    assert rows[1:] == [["wasmtime", "10.0.0, 20.0.0", "≤ 10.0.0", "20.0.0"]]


def test_a_feature_that_stops_passing_has_no_first_version():
    records = [
        record("x", "e-1", "pass", ["gc"], version="1.0"),
        record("x", "e-2", "reject", ["gc"], version="2.0"),
        record("x", "e-10", "pass", ["gc"], version="10.0"),
    ]
    first = first_passing([CellResult.from_record(r) for r in records])["e"]["gc"]
    assert first.versions == ("1.0", "2.0", "10.0")  # 10 after 2: numbers, not text
    assert first.first == "10.0"


def test_every_non_pass_cell_has_a_page_with_message_build_and_rerun(site):
    pages = sorted(p.name for p in (site / "cells").iterdir())
    assert pages == sorted(page_of(r) for r in RECORDS if r["outcome"] != "pass")
    page = (site / "cells" / page_of(RECORDS[5])).read_text("utf-8")
    assert "unknown opcode 0x12" in page
    assert "wat2wasm probe.wat" in page
    assert "wasm-matrix run cases/probes/tail-call.yaml --engines wasm3-0.5" in page


def test_table_symbols_link_to_the_cells_page(site):
    links = parse(site / "index.html").links
    assert f"cells/{page_of(RECORDS[3])}" in links


def test_untrusted_text_is_escaped_everywhere(site):
    for page in [*site.glob("*.html"), *site.glob("cells/*.html")]:
        text = page.read_text("utf-8")
        assert "<script>document" not in text, page
        assert "<img src=x" not in text, page
        assert parse(page).scripts == 1, page  # only the page's own script
    evil = (site / "cells" / page_of(RECORDS[6])).read_text("utf-8")
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in evil
    assert "&lt;/pre&gt;&lt;script&gt;" in evil


def test_nothing_is_loaded_from_outside_the_site(site):
    for page in [*site.glob("*.html"), *site.glob("cells/*.html")]:
        for link in parse(page).links:
            assert not re.match(r"[a-z]+:", link), (page, link)  # relative links only
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), (page, link)


def test_spec_page_shows_pass_rates_per_engine_and_script(site):
    page = parse(site / "spec.html")
    totals = {row[0]: row[1:] for row in page.tables["spec-totals"][1:]}
    # 99 pass of 100 (98 assert_return + 1 module); skip 2; off 3 counted apart.
    assert totals["wasmtime-20"] == ["99.0%", "99", "1", "2", "3"]
    assert totals["wasm3-0.5"] == ["100.0%", "50", "0", "2", "3"]
    scripts = page.tables["spec-table"]
    assert scripts[1] == ["address.wast", "99.0%", "100.0%"]
    failing = (site / "cells" / page_of(RECORDS[7])).read_text("utf-8")
    assert "Failing assertions (1)" in failing


def test_a_run_without_spec_cells_has_no_spec_page(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / RESULTS).write_text(json.dumps(RECORDS[0]) + "\n")
    (folder / RUN).write_text("{}")
    site = write_site(folder).parent
    assert not (site / "spec.html").exists()
    assert "spec.html" not in (site / "index.html").read_text()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(page: Path) -> str:
    """The DOM after load and after the page's scripts ran, in headless Chromium with every
    network request sent to a proxy that is not there."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def title(dom: str) -> str:
    return dom.split("<title>")[1].split("</title>")[0]


def test_chromium_renders_the_overview_and_shows_script_names_as_text(site):
    dom = dump_dom(site / "index.html")
    assert 'class="js"' in dom  # the page's own script ran, offline
    table = Tables()
    table.feed(dom)
    rows = {row[0]: row[1:] for row in table.tables["features-table"][1:]}
    assert rows["wasm3-0.5"] == ["🚫 reject 0/2", "🚫 reject"]
    assert rows["wasmtime-10"] == ["✅ pass", "🚫 reject"]
    # The evil probe's name is in the overview (a cell's tooltip) but runs nothing.
    assert title(dom).startswith("Overview ·")
    assert (table.scripts, table.images) == (1, 0)  # nothing injected as an element
    profile = dump_dom(site / "profile-default.html")
    assert title(profile).startswith("Cases × engines, profile default")  # not 'PWNED'
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in profile
    cell = dump_dom(site / "cells" / page_of(RECORDS[6]))
    assert title(cell).startswith("evil&lt;script&gt;document.title='PWNED'")  # shown as text
    assert "&lt;/pre&gt;&lt;script&gt;document.title='PWNED2'" in cell


@pytest.mark.engine
def test_a_real_run_has_a_site_that_chromium_renders(tmp_path, provisioned):
    provisioned(NEWEST)
    provisioned(OLDER)
    done = wasm_matrix(
        "run",
        str(REPO / "cases" / "probes"),
        *("--engines", f"{NEWEST},{OLDER}[-reference-types]", "-n", "0"),
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = (tmp_path / "reports" / "latest").resolve()
    records = read_results(run)
    dom = dump_dom(run / "site" / "index.html")
    table = Tables()
    table.feed(dom)
    rows = {
        row[0]: dict(zip(table.tables["features-table"][0][1:], row[1:], strict=True))
        for row in table.tables["features-table"][1:]
    }
    for r in records:
        if r.kind == "probe" and r.features == ["reference-types"]:
            assert rows[r.engine]["reference-types"].endswith(r.outcome)
    # The build without reference-types rejects their probe; its page says why.
    assert rows[f"{OLDER}[-reference-types]"]["reference-types"] == "🚫 reject"
    rejected = next(r for r in records if r.outcome == "reject")
    assert (run / "site" / "cells" / cell_page(rejected)).exists()
    # The run's JUnit XML, written from its results: a testcase per cell.
    junit = ElementTree.parse(run / "junit.xml").getroot()
    assert sum(int(suite.get("tests")) for suite in junit) == len(records)
