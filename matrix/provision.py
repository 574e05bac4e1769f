"""Provisioning: give each engine version its own cached environment, once.

* `pip`: a virtual environment per family and version (made from the Python the manifest
  asks for, e.g. 3.10 for Wasmer's wheels), with the engine's packages installed;
* `npm`: a folder per family and version with the engine's npm packages;
* `system`: a program on PATH from Debian packages, installed only when asked
  (`wasm-matrix engines --provision --system`, as root).

After installing, the host is started once and its handshake (the engine's exact version
and features) is saved as engine.json in the environment folder; a build whose folder has
that record is ready.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .engines import EngineBuild
from .paths import cache_dir

RECORD = "engine.json"
_apt_lists_fresh: list[bool] = []  # `apt-get update` once per process, not once per package
HANDSHAKE_TIMEOUT = 180  # seconds: a browser's first start can be slow


class ProvisionError(Exception):
    pass


@dataclass(frozen=True)
class Environment:
    folder: Path
    handshake: dict  # the host's answer to `start` (engine, version, features, …)
    places: dict[str, str]  # values for the start command's placeholders

    @property
    def python(self) -> Path:
        return Path(self.places["python"])


def environment_folder(build: EngineBuild) -> Path:
    return cache_dir() / "engines" / build.environment_key


def host_command(build: EngineBuild, environment: Environment) -> list[str]:
    """The command that starts the build's host, placeholders expanded."""
    places = {
        **environment.places,
        "env": str(environment.folder),
        "host": str(build.family.host_path or ""),
        "runner_python": sys.executable,
    }
    command: list[str] = []
    for part in build.family.start:
        if part == "{flags}":
            command += build.engine_flags
        elif part == "{host_args}":
            command += build.host_arguments
        else:
            command.append(part.format(**places))
    if "{host_args}" not in build.family.start:
        command += build.host_arguments
    return command


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
    interpreter = find_python(build.family.provision.python)
    requirements = build.family.provision.requirements(build.version)
    log(f"provisioning {build.environment_key}: pip install {' '.join(requirements)}")
    if folder.exists():
        shutil.rmtree(folder)
    run_command([interpreter, "-m", "venv", str(folder)], "making the virtual environment")
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    run_command(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *requirements,
        ],
        "pip install " + " ".join(requirements),
    )
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
    for name in build.family.provision.executables:
        path = folder / name
        if path.exists():
            path.chmod(path.stat().st_mode | 0o111)
    return places


def npm_install(folder: Path, packages: list[str]) -> None:
    """`npm install` packages into a folder of their own (its node_modules)."""
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisionError("needs npm (Node.js's package manager), which is not on PATH")
    folder.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund"]
    run_command([*command, "--loglevel=error", *packages], "npm install " + " ".join(packages))


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


def apt_install(packages: list[str], log=print) -> None:
    """Install Debian packages (as root), refreshing the package lists once per process."""
    if not _apt_lists_fresh:
        run_command(["apt-get", "update", "-qq"], "apt-get update")
        _apt_lists_fresh.append(True)
    log(f"apt-get install {' '.join(packages)}")
    run_command(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        "apt-get install " + " ".join(packages),
    )


def find_python(version: str | None) -> str:
    """An interpreter of the asked version (e.g. "3.10"): on PATH or among pyenv's."""
    if version is None:
        return sys.executable
    found = shutil.which(f"python{version}")
    if found and _python_version(found) == version:
        return found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv.glob(f"{version}*/bin/python{version}"), reverse=True):
        if _python_version(str(candidate)) == version:
            return str(candidate)
    raise ProvisionError(
        f"needs Python {version}, which is not installed here "
        f"(install python{version}, or a pyenv version {version}.x)"
    )


def _python_version(python: str) -> str | None:
    try:
        result = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def run_command(command: list[str], what: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
    except (OSError, subprocess.SubprocessError) as error:
        raise ProvisionError(f"{what} failed: {error}") from None
    if result.returncode:
        tail = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise ProvisionError(f"{what} failed:\n" + "\n".join(tail))


def _handshake(build: EngineBuild, environment: Environment) -> dict:
    # The plain configuration (nothing switched off) says which engine and version it is.
    from .hosts import HostDied, HostProcess, HostProtocolError, HostTimedOut

    plain = EngineBuild(build.family, build.version)
    host = HostProcess(plain, environment)
    try:
        return host.start(timeout=HANDSHAKE_TIMEOUT)
    except (HostDied, HostTimedOut, HostProtocolError) as error:
        raise ProvisionError(f"the {build.family.name} host did not start: {error}") from None
    finally:
        host.stop()


@contextmanager
def locked(path: Path):
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
