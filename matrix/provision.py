"""Provisioning: give each engine version its own cached environment, once.

* `pip`: a virtual environment per family and version (made from the Python the manifest
  asks for, e.g. 3.10 for Wasmer's wheels), with the engine's packages installed;
* `npm`: a folder per family and version with the engine's npm packages;
* `system`: a program from Debian packages (and `npm` families that steer one, such as a
  browser): the system's when it has them; else, as root, installed (apt-get); without
  root, unpacked into the environment folder's `debian/` and run from there (debian.py).
  `SystemPackages.OFF` (`--no-system-packages`) does neither: the build stays missing.

After installing, the host is started once (hosts.describe) and its handshake (the engine's
exact version and features) is saved as engine.json in the environment folder; a build
whose folder has that record is ready. The install steps themselves are install.py's,
shared with the toolchains.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import debian
from .debian import SystemPackages
from .engines import EngineBuild
from .hosts import Environment, HostError, describe
from .install import ProvisionError, locked, npm_install, pip_venv
from .paths import cache_dir

__all__ = [
    "Environment",
    "ProvisionError",
    "SystemPackages",
    "debian_packages",
    "how_to_get",
    "provision",
    "provision_all",
    "ready",
]

RECORD = "engine.json"
SIDE_BY_SIDE = 4  # builds provisioned at once: the downloads wait on the network
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
    if build.family.provision.command and "command" not in places:
        return None  # provisioned before the family needed a system program
    program = places.get("python") or places.get("command")
    if program and not Path(program).exists():
        return None  # the interpreter or the system program has gone since
    return Environment(folder, record["handshake"], places)


def how_to_get(build: EngineBuild) -> str:
    """The one command that provisions this build."""
    wanted = build.family.provision
    packages = debian_packages(build)
    if packages and not (wanted.command and shutil.which(wanted.command)):
        return f"{debian.install_command(packages)} (or: nox -s engines -- --system)"
    return f"wasm-matrix engines --provision '{build.id}'"


def debian_packages(build: EngineBuild) -> tuple[str, ...]:
    """The Debian packages the build's program comes from (none for pip and npm alone)."""
    wanted = build.family.provision
    return wanted.packages if wanted.kind == "system" else wanted.system_packages


def provision(
    build: EngineBuild, system: SystemPackages = SystemPackages.OFF, log=print
) -> Environment:
    """Install the build's engine into its environment unless it is there already;
    `system` says what may be done about its Debian packages."""
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


def provision_all(
    builds: list[EngineBuild], system: SystemPackages, log=print
) -> dict[str, Environment | ProvisionError]:
    """Provision each build's environment (one per environment key), several at once; as
    root, the Debian packages of them all are installed first in one go, named once.
    Returns the environment, or why not, by environment key."""
    unique = {build.environment_key: build for build in builds}
    missing = [build for build in unique.values() if ready(build) is None]
    if system is SystemPackages.INSTALL:
        try:
            debian.install_all([p for build in missing for p in debian_packages(build)], log)
        except ProvisionError as error:  # each program then says what it lacks
            log(f"cannot install Debian packages: {error}")

    def one(build: EngineBuild) -> Environment | ProvisionError:
        try:
            return provision(build, system, log)
        except (ProvisionError, OSError) as error:
            return error if isinstance(error, ProvisionError) else ProvisionError(str(error))

    with ThreadPoolExecutor(max_workers=SIDE_BY_SIDE) as pool:
        return dict(zip(unique, pool.map(one, unique.values()), strict=True))


def _install_pip(build: EngineBuild, folder: Path, system: SystemPackages, log) -> dict[str, str]:
    requirements = build.family.provision.requirements(build.version)
    log(f"provisioning {build.environment_key}: pip install {' '.join(requirements)}")
    # The venv first: making it empties the folder, where Debian packages may be unpacked.
    places = {"python": str(pip_venv(folder, requirements, build.family.provision.python))}
    if build.family.provision.command:  # a system program the host needs (a C compiler)
        places.update(_system_command(build, folder, system, log))
    return places


def _install_npm(build: EngineBuild, folder: Path, system: SystemPackages, log) -> dict[str, str]:
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisionError("needs npm (Node.js's package manager), which is not on PATH")
    places = {"npm": npm}
    if build.family.provision.command:  # e.g. a browser the npm driver steers
        places.update(_system_command(build, folder, system, log))
    packages = build.family.provision.requirements(build.version)
    log(f"provisioning {build.environment_key}: npm install {' '.join(packages)}")
    npm_install(folder, packages)
    for name in build.family.provision.executables:
        path = folder / name
        if path.exists():
            path.chmod(path.stat().st_mode | 0o111)
    return places


def _install_system(
    build: EngineBuild, folder: Path, system: SystemPackages, log
) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    return _system_command(build, folder, system, log)


def _system_command(
    build: EngineBuild, folder: Path, system: SystemPackages, log
) -> dict[str, str]:
    """Where the family's program is: `command`, its absolute path, and `unpacked`, the
    folder its Debian packages are unpacked in when they are not installed."""
    wanted = build.family.provision
    command = shutil.which(wanted.command or "")
    packages = list(debian_packages(build))
    if not packages:
        if command is None:
            raise ProvisionError(f"{wanted.command} is not installed")
        return {"command": command}
    if system is SystemPackages.OFF:
        if command is None:
            raise ProvisionError(
                f"{wanted.command} is not installed; get it with: {how_to_get(build)}"
            )
        return {"command": command}
    try:
        unpacked = debian.obtain(packages, folder / "debian", system, log)
    except ProvisionError as error:
        if command is not None:  # apt could not tell; the system's program is there
            return {"command": command}
        raise ProvisionError(
            f"{wanted.command} is not installed ({error}); get it with: {how_to_get(build)}"
        ) from None
    if unpacked is None:  # the system has the packages (now)
        command = shutil.which(wanted.command or "")
        if command is None:
            raise ProvisionError(f"{wanted.command} is not on PATH after installing it")
        return {"command": command}
    found = (
        unpacked / wanted.unpacked_command
        if wanted.unpacked_command
        else debian.program(unpacked, wanted.command or "")
    )
    if found is None or not found.is_file():
        raise ProvisionError(
            f"{wanted.command} is not in the unpacked packages {' '.join(packages)}"
        )
    return {"command": str(found), "unpacked": str(unpacked)}


def _handshake(build: EngineBuild, environment: Environment) -> dict:
    # The plain configuration (nothing switched off) says which engine and version it is.
    try:
        plain = EngineBuild(build.family, build.version)
        return describe(plain, environment, HANDSHAKE_TIMEOUT).wire
    except HostError as error:
        raise ProvisionError(f"the {build.family.name} host did not start: {error}") from None
