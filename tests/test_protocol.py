"""The host protocol: every request and every answer of the real hosts fits its schema."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace

import jsonschema
import pytest

from matrix.build import BuildCache
from matrix.cases import LINK, load_cases
from matrix.engines import load_engine_builds
from matrix.hosts import Host, HostDied, HostTimedOut
from matrix.paths import engines_dir
from matrix.protocol import Invoke, Run, Stop
from matrix.toolchains import all_toolchains, toolchains_for
from matrix.wasi.sandbox import Sandbox

from .helpers import OLDER_NO_REFS, REPO

SCHEMA = json.loads((engines_dir() / "protocol.schema.json").read_text())


def check(definition: str, message: dict) -> None:
    schema = {**SCHEMA, "$ref": f"#/$defs/{definition}"}
    jsonschema.Draft202012Validator(schema).validate(message)


def test_the_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_refuses_what_the_protocol_forbids():
    with pytest.raises(jsonschema.ValidationError):
        check("run-answer", {"seq": 1, "status": "ran", "calls": [{"status": "return"}]})
    with pytest.raises(jsonschema.ValidationError):  # numbers travel as bit strings
        check("value", {"type": "f32", "value": 1.5})
    with pytest.raises(jsonschema.ValidationError):
        check("run-answer", {"seq": 1, "status": "reject", "stage": "link", "message": "x"})
    with pytest.raises(jsonschema.ValidationError):  # a WASI answer says how it ended
        check("wasi-answer", {"stdout": "", "stderr": "", "read_only": []})


# WASI programs sent to every host with WASI: a command, one with a folder, a reactor.
WASI_CASES = {"hello", "read-file", "reactor"}


def one_build_per_family() -> list[str]:
    firsts: dict[str, str] = {}
    for build in load_engine_builds():
        firsts.setdefault(build.family.name, build.id)
    return [*firsts.values(), OLDER_NO_REFS]


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", one_build_per_family())
def test_real_host_answers_every_case_within_the_protocol(provisioned, tmp_path, engine_id):
    build, environment = provisioned(engine_id)
    cases, errors = load_cases([REPO / "cases"])
    assert not errors
    # Real-world modules (tens of MB fetched from registries) speak `load`: tests/test_load.py.
    cases = [case for case in cases if case.kind != "load"]
    builds = BuildCache(tmp_path / "builds")
    host = Host(build, environment)
    handshake = host.start().wire
    check("handshake", handshake)
    statuses = set()
    try:
        for case in cases:
            if case.module.format == LINK:  # ordinary modules once linked: nothing new here
                continue
            if case.wasi and (case.name not in WASI_CASES or not handshake.get("wasi")):
                continue
            toolchain = all_toolchains()[toolchains_for(case.module)[0]]
            module = builds.build(case, toolchain, "default").module
            calls = tuple(Invoke(c.invoke, tuple(a.to_wire() for a in c.args)) for c in case.calls)
            request = Run(module, calls)
            shim = handshake.get("wasi") == "shim"
            sandbox = Sandbox(case.wasi, case.name, shim) if case.wasi else None
            try:
                with sandbox or contextlib.nullcontext():
                    if sandbox is not None:
                        request = replace(request, wasi=sandbox.request())
                    check("request", request.to_wire(seq=1))
                    answer = host.request(request, timeout=case.timeout)
            except (HostTimedOut, HostDied):
                # Slow or fragile engines: an outcome for the matrix, not a protocol matter.
                host.kill()
                host = Host(build, environment)
                host.start()
                continue
            check("run-answer", answer.wire)
            if case.wasi:
                assert answer.status == "ran" and answer.wasi.via == handshake["wasi"]
            statuses.add(answer.status)
            statuses.update(call.status for call in answer.calls)
        check("error-answer", host.exchange({"cmd": "launch"}, timeout=10))
        check("stop-answer", host.request(Stop(), timeout=10).wire)
    finally:
        host.kill()
    # The manifest's `expresses: validator_only` and `wasi` are what the host itself says.
    assert bool(handshake.get("validator_only")) == build.family.validator_only
    assert handshake.get("wasi") == build.family.wasi
    if handshake.get("validator_only"):
        assert statuses <= {"valid", "reject"} and "valid" in statuses
    else:
        assert {"ran", "return", "trap"} <= statuses
