"""The install toolbox engines, toolchains and the real-world corpus share: a pip venv made
from a given Python, an npm prefix, a package file fetched as the registry serves it (`npm
pack`, `pip download`), Debian packages installed as root or unpacked into a cache folder
without root, a file lock so that parallel workers install a thing once, and one way to
run each step.

Every failure is a ProvisionError whose message ends with the tool's own last words.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

DOWNLOADS = 4  # `apt-get download` processes side by side
STEP_TIMEOUT = 1800  # seconds for one install step (a large npm or Debian package)
_apt_lists_fresh: list[bool] = []  # `apt-get update` once per process, not once per package


class ProvisionError(Exception):
    """Something could not be installed; the message says what and how it failed."""


def run_command(command: list[str], what: str, cwd: Path | None = None) -> None:
    """Run one install step; a failure is a ProvisionError with the tool's last lines."""
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=STEP_TIMEOUT, cwd=cwd
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise ProvisionError(f"{what} failed: {error}") from None
    if result.returncode:
        tail = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise ProvisionError(f"{what} failed:\n" + "\n".join(tail))


@contextmanager
def locked(path: Path):
    """Hold an exclusive lock on `path` (created if missing) while the block runs."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def find_python(version: str | None) -> str:
    """An interpreter of the asked version (e.g. "3.10"): on PATH or among pyenv's; the
    running one when no version is asked for."""
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


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def pip_venv(folder: Path, requirements: list[str], python: str | None = None) -> Path:
    """A fresh virtual environment in `folder` (made from Python `python`, e.g. "3.10")
    with `requirements` installed; returns its interpreter."""
    interpreter = find_python(python)
    if folder.exists():
        shutil.rmtree(folder)
    run_command([interpreter, "-m", "venv", str(folder)], "making the virtual environment")
    installed = venv_python(folder)
    pip = [str(installed), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run_command([*pip, *requirements], "pip install " + " ".join(requirements))
    return installed


def npm_install(folder: Path, packages: list[str]) -> None:
    """`npm install` packages into a folder of their own (its node_modules)."""
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisionError("needs npm (Node.js's package manager), which is not on PATH")
    folder.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund"]
    run_command([*command, "--loglevel=error", *packages], "npm install " + " ".join(packages))


def npm_pack(spec: str, into: Path) -> None:
    """`npm pack NAME@VERSION`: the package's .tgz as npm serves it, into a folder."""
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisionError("needs npm (Node.js's package manager), which is not on PATH")
    command = [npm, "pack", spec, "--pack-destination", str(into), "--silent", "--loglevel=error"]
    run_command(command, f"npm pack {spec}")


def pip_download(requirement: str, into: Path) -> None:
    """`pip download` one wheel (`NAME==VERSION`, no dependencies, no source builds) as
    PyPI serves it, into a folder."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
    command += ["--only-binary=:all:", "--disable-pip-version-check", "-d", str(into)]
    run_command([*command, requirement], f"pip download {requirement}")


def apt_update() -> None:
    """Refresh Debian's package lists (as root), once per process."""
    if not _apt_lists_fresh:
        run_command(["apt-get", "update", "-qq"], "apt-get update")
        _apt_lists_fresh.append(True)


def apt_install(packages: list[str], log=print) -> None:
    """Install Debian packages (as root), refreshing the package lists once per process."""
    apt_update()
    log(f"apt-get install {' '.join(packages)}")
    run_command(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        "apt-get install " + " ".join(packages),
    )


def apt_unpack(packages: list[str], root: Path, log=print) -> None:
    """Fetch Debian packages (names, or `name=version`) with `apt-get download`, several
    at a time, and unpack them (`dpkg-deb -x`) into `root`, without root rights and
    without installing anything; `root` is replaced whole, and only once every package
    is unpacked (a half-unpacked folder is never left as done)."""
    log(f"apt-get download {' '.join(packages)} (unpacked into {root})")
    with tempfile.TemporaryDirectory(prefix="wasm-matrix-apt-") as download:
        # apt-get download needs no root, only the package lists (`apt-get update`);
        # apt fetches one file at a time, so several downloads run side by side.
        batches = [packages[index::DOWNLOADS] for index in range(DOWNLOADS)]
        with ThreadPoolExecutor(max_workers=DOWNLOADS) as pool:
            list(
                pool.map(
                    lambda batch: run_command(
                        ["apt-get", "download", *batch],
                        "apt-get download " + " ".join(batch),
                        cwd=Path(download),
                    ),
                    [batch for batch in batches if batch],
                )
            )
        partial = root.with_name(root.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        for deb in sorted(Path(download).glob("*.deb")):
            run_command(["dpkg-deb", "-x", str(deb), str(partial)], f"dpkg-deb -x {deb.name}")
        shutil.rmtree(root, ignore_errors=True)
        partial.rename(root)


def dpkg_installed(package: str) -> bool:
    """Whether Debian's package database has the package installed."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        )
    except OSError:
        return False
    return result.stdout.strip().endswith(" installed")
