"""The static HTML site: pages, escaping, spec pass rates, and Chromium rendering it offline."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest

from matrix.analysis.versions import first_passing
from matrix.outcomes import Outcome
from matrix.records import CellResult
from matrix.reporting.links import case_page, cell_anchor, cell_link
from matrix.reporting.site import write_site
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
        self.ids: set[str] = set()
        self.rows: dict[str, list[str]] = {}  # a row's cells by the row's id
        self.scripts = 0
        self.images = 0
        self._table, self._row, self._cell = None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
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
            if attrs.get("id"):
                self.rows[attrs["id"]] = self._row
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
    assert by_engine["wasmtime-20"] == ["P pass", "P pass"]
    assert by_engine["wasmtime-10"] == ["P pass", "R reject"]
    assert by_engine["wasm3-0.5"] == ["R reject 0/2", "R reject"]  # two sign-ext probes


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


def test_every_cell_is_on_its_cases_page_non_pass_ones_with_message_build_and_rerun(site):
    pages = sorted(str(p.relative_to(site)) for p in (site / "cases").iterdir())
    assert pages == sorted({case_page(r["case"]) for r in RECORDS})  # a page per case
    assert not (site / "cells").exists()
    for r in map(CellResult.from_record, RECORDS):
        rows = parse(site / case_page(r.case)).rows
        outcome = Outcome(r.outcome)
        assert rows[cell_anchor(r)][:2] == [r.engine, f"{outcome.letter} {outcome}"]
    page = (site / case_page("tail-call")).read_text("utf-8")
    assert "unknown opcode 0x12" in page
    assert "wat2wasm probe.wat" in page
    assert "wasm-matrix run cases/probes/tail-call.yaml --engines wasm3-0.5" in page
    passing = parse(site / case_page("tail-call")).rows[
        cell_anchor(CellResult.from_record(RECORDS[2]))
    ]
    assert passing[-1] == ""  # a pass has nothing to explain


def test_table_symbols_link_to_the_cells_page(site):
    links = parse(site / "index.html").links
    assert cell_link(CellResult.from_record(RECORDS[3])) in links


def test_untrusted_text_is_escaped_everywhere(site):
    for page in [*site.glob("*.html"), *site.glob("cases/*.html")]:
        text = page.read_text("utf-8")
        assert "<script>document" not in text, page
        assert "<img src=x" not in text, page
        assert parse(page).scripts == 1, page  # only the page's own script
    evil = (site / case_page(EVIL)).read_text("utf-8")
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in evil
    assert "&lt;/pre&gt;&lt;script&gt;" in evil


def test_nothing_is_loaded_from_outside_the_site(site):
    for page in [*site.glob("*.html"), *site.glob("cases/*.html")]:
        for link in parse(page).links:
            assert not re.match(r"[a-z]+:", link), (page, link)  # relative links only
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve()
            assert target.is_file(), (page, link)
            if anchor:
                assert anchor in parse(target).ids, (page, link)


def test_spec_page_shows_pass_rates_per_engine_and_script(site):
    page = parse(site / "spec.html")
    totals = {row[0]: row[1:] for row in page.tables["spec-totals"][1:]}
    # 99 pass of 100 (98 assert_return + 1 module); skip 2; off 3 counted apart.
    assert totals["wasmtime-20"] == ["99.0%", "99", "1", "2", "3"]
    assert totals["wasm3-0.5"] == ["100.0%", "50", "0", "2", "3"]
    scripts = page.tables["spec-table"]
    assert scripts[1] == ["address.wast", "99.0%", "100.0%"]
    failing = (site / case_page("address.wast")).read_text("utf-8")
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
    assert rows["wasm3-0.5"] == ["R reject 0/2", "R reject"]
    assert rows["wasmtime-10"] == ["P pass", "R reject"]
    # The evil probe's name is in the overview (a cell's tooltip) but runs nothing.
    assert title(dom).startswith("Overview ·")
    assert (table.scripts, table.images) == (1, 0)  # nothing injected as an element
    profile = dump_dom(site / "profile-default.html")
    assert title(profile).startswith("Cases × engines, profile default")  # not 'PWNED'
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in profile
    cell = dump_dom(site / case_page(EVIL))
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
    assert rows[f"{OLDER}[-reference-types]"]["reference-types"] == "R reject"
    rejected = next(r for r in records if r.outcome == "reject")
    case = parse(run / "site" / case_page(rejected.case))
    assert case.rows[cell_anchor(rejected)][1] == "R reject"
    # The run's JUnit XML, written from its results: a testcase per cell.
    junit = ElementTree.parse(run / "junit.xml").getroot()
    assert sum(int(suite.get("tests")) for suite in junit) == len(records)


# --- the site renders anywhere: no emoji font needed -----------------------------------------


def fonts_without_emoji(folder: Path) -> Path:
    """A fontconfig set-up with every font of the machine except colour and emoji fonts, as
    on a server or a minimal desktop: what Chromium may use when it reads FONTCONFIG_FILE."""
    fonts = folder / "fonts"
    fonts.mkdir(parents=True)
    for path in Path("/usr/share/fonts").rglob("*"):
        if path.suffix.lower() in (".ttf", ".otf", ".ttc") and not re.search(
            r"emoji|color|twemoji", path.name, re.IGNORECASE
        ):
            (fonts / path.name).symlink_to(path)
    config = folder / "fonts.conf"
    config.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir>"
        f"<cachedir>{folder / 'cache'}</cachedir>"
        "<include ignore_missing='yes'>/etc/fonts/conf.d</include></fontconfig>"  # aliases
    )
    return config


def covered(config: Path) -> set[int]:
    """Every code point some font of the set-up has a glyph for (fc-query's charsets)."""
    points: set[int] = set()
    for font in (config.parent / "fonts").iterdir():
        done = subprocess.run(
            ["fc-query", "--format=%{charset}\\n", str(font)], capture_output=True, text=True
        )
        for span in done.stdout.split():
            first, _, last = span.partition("-")
            points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


def screenshot(page: Path, config: Path, out: Path, size: str = "1000,700") -> Path:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    subprocess.run(
        [
            CHROMIUM,
            *("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"),
            *("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"),
            f"--window-size={size}",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
        env={**os.environ, "FONTCONFIG_FILE": str(config), "HOME": str(config.parent)},
    )
    return out


def pixels(image) -> dict[tuple[int, int, int], int]:
    """How many pixels of the image have each colour."""
    rgb = image.convert("RGB")
    return {colour: count for count, colour in rgb.getcolors(rgb.width * rgb.height)}


def test_every_character_of_the_site_has_a_glyph_without_an_emoji_font(site, tmp_path):
    """An outcome is a letter on its colour: nothing on any page needs an emoji font."""
    if shutil.which("fc-query") is None:
        pytest.skip("fc-query is not installed (Debian package fontconfig)")
    points = covered(fonts_without_emoji(tmp_path))
    assert ord("A") in points and 0x2705 not in points  # letters yes, ✅ no: no emoji font
    for page in [*site.glob("*.html"), *site.glob("cases/*.html")]:
        missing = {ch for ch in page.read_text("utf-8") if ord(ch) > 0x7E and ord(ch) not in points}
        assert not missing, (page.name, sorted(missing))


def test_chromium_without_an_emoji_font_shows_each_outcome_as_a_coloured_letter(site, tmp_path):
    from PIL import Image

    config = fonts_without_emoji(tmp_path)
    image = Image.open(screenshot(site / "index.html", config, tmp_path / "overview.png"))
    colours = pixels(image)
    # The marks' colours from the stylesheet: pass (P) and reject (R) are on the overview.
    for name, rgb in {"pass": (0x1A, 0x7F, 0x37), "reject": (0x9A, 0x67, 0x00)}.items():
        assert colours[rgb] > 50, f"no {name} mark drawn"
    legend = Image.open(screenshot(site / "cases.html", config, tmp_path / "cases.png"))
    assert pixels(legend)[(0xCF, 0x22, 0x2E)] > 20  # a fail (F)
