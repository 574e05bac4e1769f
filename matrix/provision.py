"""Provisioning: give each engine version its own cached environment, once.

A pip-provisioned engine gets a virtual environment under the cache, keyed by family and
version, so several versions live side by side. After installing, the host is started
once and its handshake (the engine's exact version and features) is saved next to the
environment; a build whose environment has that record is ready.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import venv
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .engines import EngineBuild
from .paths import cache_dir

RECORD = "engine.json"


class ProvisionError(Exception):
    pass


@dataclass(frozen=True)
class Environment:
    folder: Path
    python: Path
    handshake: dict  # the host's answer to `start` (engine, version, features, …)


def environment_folder(build: EngineBuild) -> Path:
    return cache_dir() / "engines" / f"{build.family.name}-{build.version}"


def ready(build: EngineBuild) -> Environment | None:
    """The build's environment if it is provisioned, else None. Cheap: reads one file."""
    folder = environment_folder(build)
    try:
        record = json.loads((folder / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    python = _python(folder)
    return Environment(folder, python, record["handshake"]) if python.exists() else None


def provision(build: EngineBuild, log=print) -> Environment:
    """Install the build's engine into its environment unless it is there already."""
    existing = ready(build)
    if existing:
        return existing
    folder = environment_folder(build)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.with_suffix(".lock")):
        existing = ready(build)  # another process may have finished while we waited
        if existing:
            return existing
        requirements = [template.format(version=build.version) for template in build.family.pip]
        log(
            f"provisioning {build.family.name} {build.version}: pip install "
            f"{' '.join(requirements)}"
        )
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
        python = _python(folder)
        _pip(python, ["install", "--quiet", "--disable-pip-version-check", *requirements])
        handshake = _handshake(build, python)
        (folder / RECORD).write_text(
            json.dumps(
                {
                    "requirements": requirements,
                    "handshake": handshake,
                },
                indent=2,
            ),
            "utf-8",
        )
        return Environment(folder, python, handshake)


def _pip(python: Path, arguments: list[str]) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", *arguments], capture_output=True, text=True, check=False
    )
    if result.returncode:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise ProvisionError("pip " + " ".join(arguments) + " failed:\n" + "\n".join(tail))


def _handshake(build: EngineBuild, python: Path) -> dict:
    # The plain build (nothing switched off) says which engine and version got installed.
    host = build.family.folder / build.family.host
    result = subprocess.run(
        [str(python), str(host)],
        input='{"seq": 0, "cmd": "start"}\n',
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        return json.loads(result.stdout.splitlines()[0])
    except (IndexError, ValueError):
        raise ProvisionError(
            f"the {build.family.name} host did not start: {result.stderr.strip()[-2000:]}"
        ) from None


def _python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


@contextmanager
def _locked(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def host_environment() -> dict[str, str]:
    """The scrubbed environment hosts run in: no user variables, nothing to leak."""
    keep = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SYSTEMROOT", "TMPDIR"):
        if name in os.environ:
            keep[name] = os.environ[name]
    return keep
