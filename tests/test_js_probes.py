"""JS-API probes (a case's `js` part): run by JavaScript hosts, a skip with the reason
everywhere else, and each way they can end (pass, reject at js-api, skip)."""

from __future__ import annotations

import json
import textwrap

import pytest

from .helpers import NEWEST, REPO, wasm_matrix

pytestmark = pytest.mark.engine

CASES = {
    "bigint.yaml": """\
        kind: probe
        features: [js-bigint]
        module:
          wat: |
            (module (func (export "add") (param i64 i64) (result i64)
              (i64.add (local.get 0) (local.get 1))))
        js: |
          const exports = host.instantiate(bytes).exports;
          const big = () => typeof exports.add(1n, 2n) === "bigint";
          return { add: (a, b) => exports.add(a, b), big };
        calls:
          - invoke: add
            args: [i64:-1, i64:-2]
            expect: [i64:-3]
          - invoke: big
            expect: [i32:1]
        """,
    "missing-api.yaml": """\
        kind: probe
        features: [type-reflection]
        module:
          wat: (module)
        js: |
          const made = new WebAssembly.NoSuchConstructor();
          return { f: () => 0 };
        calls:
          - invoke: f
            expect: [i32:0]
        """,
    "refused.yaml": """\
        kind: probe
        features: [js-bigint]
        module:
          hex: 00 61 73 6d 01 00 00 00 ff
        js: |
          host.compile(bytes);
          return {};
        """,
    "awaits.yaml": """\
        kind: probe
        features: [jspi]
        module:
          wat: (module)
        js: |
          return { later: () => Promise.resolve(41).then((x) => x + 1) };
        calls:
          - invoke: later
            expect: [i32:42]
        """,
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("js-probes")
    for name, text in CASES.items():
        (folder / name).write_text(textwrap.dedent(text))
    reports = folder / "reports"
    done = wasm_matrix(
        *("run", str(folder), "--engines", f"node-24,jsc-system,{NEWEST}", "-n", "0"),
        *("--reports", str(reports), "--no-provision"),
        cwd=REPO,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in (reports / "latest" / "results.jsonl").open()]
    return {(r["case"], r["engine"]): r for r in records}


def test_a_javascript_host_runs_the_probe_and_checks_its_results(outcomes):
    if outcomes[("bigint", "node-24")]["outcome"] == "skip":
        pytest.skip(outcomes[("bigint", "node-24")]["message"])
    assert outcomes[("bigint", "node-24")]["outcome"] == "pass"
    assert outcomes[("awaits", "node-24")]["outcome"] == "pass"  # node waits for promises


def test_engines_without_javascript_skip_with_the_reason(outcomes):
    for case in ("bigint", "missing-api", "refused", "awaits"):
        record = outcomes[(case, NEWEST)]
        assert record["outcome"] == "skip"
        assert "needs a JavaScript host" in record["message"]


def test_an_api_the_engine_lacks_is_a_reject_at_js_api(outcomes):
    record = outcomes[("missing-api", "node-24")]
    assert record["outcome"] == "reject"
    assert record["message"].startswith("js-api: TypeError")


def test_a_module_the_engine_refuses_is_a_compile_reject(outcomes):
    record = outcomes[("refused", "node-24")]
    assert (record["outcome"], record["message"][:8]) == ("reject", "compile:")


def test_a_shell_that_cannot_wait_for_a_promise_skips(outcomes):
    record = outcomes[("awaits", "jsc-system")]
    if "not available" in record["message"]:
        pytest.skip(record["message"])
    assert record["outcome"] == "skip"
    assert "cannot wait for a promise" in record["message"]
