"""Provisioning: give each engine version its own cached environment, once.

* `pip`: a virtual environment per family and version (made from the Python the manifest
  asks for, e.g. 3.10 for Wasmer's wheels), with the engine's packages installed;
* `npm`: a folder per family and version with the engine's npm packages;
* `system`: a program on PATH from Debian packages, installed only when asked
  (`wasm-matrix engines --provision --system`, as root).

After installing, the host is started once (hosts.describe) and its handshake (the engine's
exact version and features) is saved as engine.json in the environment folder; a build
whose folder has that record is ready. The install steps themselves are install.py's,
shared with the toolchains.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .engines import EngineBuild
from .hosts import Environment, HostError, describe
from .install import ProvisionError, apt_install, locked, npm_install, pip_venv
from .paths import cache_dir

__all__ = ["Environment", "ProvisionError", "how_to_get", "provision", "ready"]

RECORD = "engine.json"
HANDSHAKE_TIMEOUT = 180  # seconds: a browser's first start can be slow


def environment_folder(build: EngineBuild) -> Path:
    return cache_dir() / "engines" / build.environment_key


def ready(build: EngineBuild) -> Environment | None:
    """The build's environment if it is provisioned, else None. Cheap: reads one file."""
    folder = environment_folder(build)
    try:
        record = json.loads((folder / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if "places" not in record:
        return None  # a record from an older wasm-matrix: provision again
    places = record["places"]
    program = places.get("python") or places.get("command")
    if program and not Path(program).exists():
        return None  # the interpreter or the system program has gone since
    return Environment(folder, record["handshake"], places)


def how_to_get(build: EngineBuild) -> str:
    """The one command that provisions this build."""
    wanted = build.family.provision
    debian = _debian_packages(build)
    if debian and not (wanted.command and shutil.which(wanted.command)):
        return f"apt-get install {' '.join(debian)} (or: nox -s engines -- --system)"
    return f"wasm-matrix engines --provision '{build.id}'"


def _debian_packages(build: EngineBuild) -> tuple[str, ...]:
    wanted = build.family.provision
    return wanted.packages if wanted.kind == "system" else wanted.system_packages


def provision(build: EngineBuild, system: bool = False, log=print) -> Environment:
    """Install the build's engine into its environment unless it is there already."""
    existing = ready(build)
    if existing:
        return existing
    folder = environment_folder(build)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with locked(folder.with_name(folder.name + ".lock")):
        existing = ready(build)  # another process may have finished while we waited
        if existing:
            return existing
        kind = build.family.provision.kind
        installer = {"pip": _install_pip, "npm": _install_npm, "system": _install_system}[kind]
        places = installer(build, folder, system, log)
        environment = Environment(folder, {}, places)
        handshake = _handshake(build, environment)
        (folder / RECORD).write_text(
            json.dumps(
                {
                    "kind": kind,
                    "requirements": build.family.provision.requirements(build.version),
                    "places": places,
                    "handshake": handshake,
                },
                indent=2,
            ),
            "utf-8",
        )
        return Environment(folder, handshake, places)


def _install_pip(build: EngineBuild, folder: Path, system: bool, log) -> dict[str, str]:
    requirements = build.family.provision.requirements(build.version)
    log(f"provisioning {build.environment_key}: pip install {' '.join(requirements)}")
    python = pip_venv(folder, requirements, build.family.provision.python)
    return {"python": str(python)}


def _install_npm(build: EngineBuild, folder: Path, system: bool, log) -> dict[str, str]:
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisionError("needs npm (Node.js's package manager), which is not on PATH")
    places = {"npm": npm}
    if build.family.provision.command:  # e.g. a browser the npm driver steers
        places["command"] = _system_command(build, system, log)
    packages = build.family.provision.requirements(build.version)
    log(f"provisioning {build.environment_key}: npm install {' '.join(packages)}")
    npm_install(folder, packages)
    return places


def _install_system(build: EngineBuild, folder: Path, system: bool, log) -> dict[str, str]:
    command = _system_command(build, system, log)
    folder.mkdir(parents=True, exist_ok=True)
    return {"command": command}


def _system_command(build: EngineBuild, system: bool, log) -> str:
    """The absolute path of the family's program, apt-installing it when allowed."""
    wanted = build.family.provision.command or ""
    command = shutil.which(wanted)
    packages = list(_debian_packages(build))
    if command is None and system and packages:
        log(f"provisioning {build.environment_key}: apt-get install {' '.join(packages)}")
        apt_install(packages, log)
        command = shutil.which(wanted)
    if command is None:
        raise ProvisionError(f"{wanted} is not installed; get it with: {how_to_get(build)}")
    return command


def _handshake(build: EngineBuild, environment: Environment) -> dict:
    # The plain configuration (nothing switched off) says which engine and version it is.
    try:
        plain = EngineBuild(build.family, build.version)
        return describe(plain, environment, HANDSHAKE_TIMEOUT).wire
    except HostError as error:
        raise ProvisionError(f"the {build.family.name} host did not start: {error}") from None
