"""Shared fixtures: real engine builds (provisioned into the cache once) and case files."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from matrix import provision
from matrix.engines import EngineBuild, EngineFamily, Provision
from matrix.paths import cache_dir

from .helpers import FAKE_HOSTS, engine_build

pytest_plugins = ["pytester"]

# pytester gives each inner run a fresh HOME; the engines and toolchains provisioned for
# this test session must stay the ones it finds (not a second copy under a temporary HOME).
os.environ.setdefault("WASM_MATRIX_CACHE", str(cache_dir()))
# Every protocol message of the tests is checked against engines/protocol.schema.json
# (runs outside the tests check only when asked: matrix/protocol.py says why).
os.environ.setdefault("WASM_MATRIX_CHECK_PROTOCOL", "1")


@pytest.fixture(scope="session")
def provisioned():
    """Provision an engine build for real (pip into its cached venv); skip if that fails."""

    def ready(engine_id: str) -> tuple[EngineBuild, provision.Environment]:
        build = engine_build(engine_id)
        try:
            return build, provision.provision(build, log=lambda text: None)
        except provision.ProvisionError as error:
            pytest.skip(f"{engine_id} cannot be provisioned here: {error}")

    return ready


@pytest.fixture
def write_case(tmp_path: Path):
    """Write a case file from YAML text; returns its path."""

    def write(name: str, text: str, folder: Path | None = None) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
        return path

    return write


@pytest.fixture
def fake_engine(tmp_path: Path):
    """An engine build whose host is one of tests/fake_hosts/*.py, run by this Python."""

    def make(host: str) -> tuple[EngineBuild, provision.Environment]:
        family = EngineFamily(
            name=f"fake-{host}",
            title=f"fake {host}",
            folder=FAKE_HOSTS,
            host=f"{host}.py",
            provision=Provision("pip"),
            start=("{python}", "{host}"),
        )
        environment = provision.Environment(tmp_path, {}, {"python": sys.executable})
        return EngineBuild(family, "0"), environment

    return make


# Hypothesis settings profiles: `ci` (the default, a modest number of examples per
# property) and `long` for a fuzzing session: `pytest --hypothesis-profile=long`.
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", max_examples=150, deadline=None)
    _hypothesis_settings.register_profile("long", max_examples=20_000, deadline=None)
    _hypothesis_settings.load_profile("ci")
except ImportError:  # hypothesis is in the `test` extra; the property tests skip without it
    pass
