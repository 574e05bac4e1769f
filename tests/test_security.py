"""Security: cases and engines are untrusted text in reports; hosts give modules nothing
(no file system, environment or network) and run in a scrubbed environment; no shell
command is ever built from case text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from matrix.build import BuildCache
from matrix.hosts import Host, HostPool, host_environment
from matrix.planner import Cell
from matrix.reporting import markdown
from matrix.runner import Runner

from .helpers import NEWEST, REPO

# --- reports escape everything that comes from a case or an engine ----------------------------

HOSTILE_TEXTS = [
    "<script>alert('case')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![pixel](https://attacker.invalid/p.png)",
    "a | b | c",
    "line one\n# Injected heading\n\n<script>x()</script>",
    "```\n</code></pre><script>fence()</script>\n```",
    "`` ` `` <b>bold</b> **strong** _em_ ~~gone~~",
    "<!-- comment --> &lt;already&gt; &amp;",
    "\r\n| fake | row |\n|---|---|",
    "https://attacker.invalid/autolink <https://attacker.invalid/x>",
]


def hostile_run(folder: Path) -> Path:
    """A run folder whose every text field is hostile, as a tampered shard could be."""
    records = []
    for index, text in enumerate(HOSTILE_TEXTS):
        for outcome in ("pass", "reject", "crash"):
            records.append(
                {
                    "case": f"case-{index} {text}",
                    "toolchain": f"wat{text}",
                    "profile": f"default{text}",
                    "engine": f"engine-{index}{text}",
                    "outcome": outcome,
                    "message": f"engine says: {text}",
                    "case_file": f"cases/{text}.yaml",
                    "kind": "probe",
                    "features": ["mvp", text],
                    "engine_family": text,
                    "engine_version": text,
                    "module_sha256": "ab" * 32,
                    "module_uses": [text],
                    "module_scan_error": text,
                    "build_command": f"wat2wasm {text}",
                    "rerun": f"wasm-matrix run {text}",
                }
            )
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "results.jsonl", "w", encoding="utf-8") as results:
        for record in records:
            results.write(json.dumps(record) + "\n")
    engines = [
        {
            "id": record["engine"],
            "family": text,
            "title": text,
            "version": text,
            "disabled": [text],
            "handshake": {"version": text, "language": text, "language_version": text},
            "start_error": text,
        }
        for record, text in zip(records[::3], HOSTILE_TEXTS, strict=True)
    ]
    run = {
        "started_at": HOSTILE_TEXTS[0],
        "finished_at": HOSTILE_TEXTS[1],
        "revision": HOSTILE_TEXTS[2],
        "wasm_matrix": HOSTILE_TEXTS[3],
        "machine": {"os": HOSTILE_TEXTS[4], "cpus": HOSTILE_TEXTS[5]},
        "engines": engines,
        "cells_planned": len(records),
    }
    (folder / "run.json").write_text(json.dumps(run), "utf-8")
    return folder


def markdown_as_html(run_folder: Path) -> str:
    """summary.md as a Markdown viewer (GitHub's job summary, a forge) shows it."""
    return (
        MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown.render(run_folder))
    )


REPORT_ELEMENTS = {
    *("html", "head", "body", "title", "meta", "style"),
    *("h1", "h2", "h3", "p", "ul", "li", "a", "code", "pre", "br", "strong", "em"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}


class Elements(HTMLParser):
    """Every element, attribute and comment of a page, as a browser would see them."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_comment(self, data):
        self.comments.append(data)


# Every report format, as the HTML a reader's browser ends up showing. The static HTML site
# (being built on another branch) adds itself here: "html": lambda folder: <its page text>.
RENDERED_AS_HTML: dict[str, Callable[[Path], str]] = {"markdown": markdown_as_html}


@pytest.mark.parametrize("report", sorted(RENDERED_AS_HTML))
def test_no_markup_from_cases_or_engines_reaches_the_reader(report, tmp_path):
    page = RENDERED_AS_HTML[report](hostile_run(tmp_path / "run"))
    elements = Elements()
    elements.feed(page)
    # Only the elements a report is made of; no script, image, comment or raw markup.
    assert elements.tags <= REPORT_ELEMENTS, elements.tags - REPORT_ELEMENTS
    assert not elements.comments
    # No link that the report did not make itself: only its links to cells on the site.
    for name, value in elements.attributes:
        assert name in ("id", "href", "class", "style"), name
        if name == "href":
            assert re.fullmatch(r"site/cases/[A-Za-z0-9._-]+\.html#c-[0-9a-f]{12}", value), value
    # No heading, emphasis or table row injected by a message.
    assert "<h1>Injected" not in page and "<strong>strong</strong>" not in page
    assert "<td>fake</td>" not in page
    # And the texts are still there for the reader, as text.
    assert "&lt;script&gt;alert('case')&lt;/script&gt;" in page or "alert(" in page


def test_markdown_tables_keep_their_shape_whatever_the_text(tmp_path):
    text = markdown.render(hostile_run(tmp_path / "run"))
    for block in re.findall(r"(?m)(?:^\|.*\|$\n?)+", text):
        rows = block.strip("\n").split("\n")
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows  # every row has the header's number of cells


# --- hosts give modules nothing -----------------------------------------------------------------

# Each module's `answer` uses what it imports, then returns 42: no engine may return it.
WASI_IMPORT = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "answer") (result i32)
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
    (i32.const 42)))
"""
ENV_IMPORTS = """
(module
  (import "env" "memory" (memory 1))
  (import "env" "getenv" (func $getenv (param i32) (result i32)))
  (func (export "answer") (result i32)
    (drop (call $getenv (i32.const 0)))
    (i32.const 42)))
"""


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", [NEWEST, "node-22", "wasm3-0.5.0"])
@pytest.mark.parametrize("module", [WASI_IMPORT, ENV_IMPORTS], ids=["wasi", "env"])
def test_a_module_that_imports_anything_gets_nothing(
    engine_id, module, provisioned, write_case, tmp_path
):
    from matrix.cases import load_case

    build, environment = provisioned(engine_id)
    case = load_case(
        write_case(
            "imports.yaml",
            "module:\n  wat: |\n"
            + "".join(f"    {line}\n" for line in module.strip().splitlines())
            + "calls:\n  - {invoke: answer, expect: [i32:42]}\n",
        )
    )
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: environment)
    try:
        result = runner.run(Cell(case, "wat", "default", build))
    finally:
        runner.close()
    # Refused at link (instantiate); wasm3 links lazily, so there the call traps instead.
    if engine_id.startswith("wasm3"):
        assert result.outcome in ("reject", "trap"), result.message
    else:
        assert result.outcome == "reject", result.message
        assert result.message.startswith("instantiate:"), result.message


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", [NEWEST, "node-22"])
def test_a_real_host_sees_only_the_scrubbed_environment(engine_id, provisioned, monkeypatch):
    monkeypatch.setenv("WASM_MATRIX_TEST_SECRET", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    monkeypatch.setenv("LD_PRELOAD", "/nonexistent/evil.so")
    build, environment = provisioned(engine_id)
    host = Host(build, environment)
    host.start()
    try:
        raw = Path(f"/proc/{host.pid}/environ").read_bytes()
    finally:
        host.stop()
    seen = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    assert "hunter2" not in raw.decode()
    assert "LD_PRELOAD" not in seen
    assert set(seen) <= set(host_environment())
    assert seen["PATH"] == host_environment()["PATH"]


def test_the_scrubbed_environment_has_nothing_of_the_users(monkeypatch):
    monkeypatch.setenv("HOME", "/home/someone")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    environment = host_environment()
    assert "GITHUB_TOKEN" not in environment and "HOME" not in environment
    assert set(environment) <= {
        "PATH",
        "LANG",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "SYSTEMROOT",
        "TMPDIR",
    }


# --- no shell -----------------------------------------------------------------------------------

SHELL_CALLS = re.compile(
    r"shell\s*=\s*True|os\.system\(|os\.popen\(|subprocess\.getoutput\(|"
    r"subprocess\.getstatusoutput\(|os\.exec[lv]p?e?\(|child_process\.exec(?:Sync)?\(|"
    r"\bexecSync\(|GLib\.spawn_command_line"
)


def test_no_shell_is_ever_started():
    """Commands are argument lists: no case text can become shell syntax."""
    sources = [
        *(REPO / "matrix").rglob("*.py"),
        *(REPO / "engines").rglob("*.py"),
        *(REPO / "engines").rglob("*.js"),
        *(REPO / "engines").rglob("*.mjs"),
        REPO / "noxfile.py",
    ]
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if SHELL_CALLS.search(line)
    ]
    assert not offenders, "\n".join(offenders)
    assert SHELL_CALLS.search("subprocess.run(command, shell=True)")  # the check can fail
