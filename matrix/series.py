"""Version series: every release of an engine family that a registry publishes, as data.

A family's manifest may name a `series` beside its fixed builds: which registry package
its releases come from, the oldest one worth trying, how one release is installed and
started, and its *configurations* (as shipped, and with the release's own switches for
unfinished features on). Which releases exist is asked of the registry (`npm view PKG
versions`, `pip index versions PKG`) and cached; nothing here lists versions by hand.
`wasm-matrix since` (matrix/since.py) searches a series. docs/since.md describes it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

from .engines import EngineBuild, EngineFamily, ManifestError, Provision, family_from_manifest
from .paths import cache_dir, engines_dir

REGISTRIES = ("npm", "pypi")
ROLES = ("default", "flag")  # what a configuration stands for in the since table
LISTING_FRESH_FOR = 6 * 3600  # seconds a cached list of releases is trusted


class RegistryError(Exception):
    pass


@dataclass(frozen=True)
class Configuration:
    """One way of running every release of a series: each is a series of its own."""

    name: str
    role: str  # "default": as shipped; "flag": with the release's switches on
    label: str | None = None  # the engine id's [label]; None: the id has none
    host_arguments: tuple[str, ...] = ()
    # Engine flags found in the release itself: run PROGRAM ARGS and keep what matches.
    discover: tuple[str, ...] = ()  # e.g. ("--v8-options",)
    pattern: str | None = None  # e.g. "--experimental-wasm-[a-z0-9-]+"
    exclude: str | None = None  # flags never passed (they write files, say)
    # How the found flags are passed: None, each as an argument; "--v8-flags={}": one
    # argument with the flags joined by commas (deno).
    flag_format: str | None = None


@dataclass(frozen=True)
class Series:
    family: EngineFamily  # the family with the series' own provisioning and start command
    registry: str  # npm | pypi
    package: str
    since: str | None  # the oldest release worth trying
    configurations: tuple[Configuration, ...] = field(default_factory=tuple)
    notes: dict[str, str] = field(default_factory=dict)  # release -> a known fact about it

    def build(self, version: str, configuration: Configuration, flags=()) -> EngineBuild:
        return EngineBuild(
            self.family,
            version,
            label=configuration.label,
            extra_flags=tuple(flags),
            extra_arguments=configuration.host_arguments,
        )


def read_series(family: EngineFamily, data: dict, path: Path) -> Series:
    """The manifest's `series:` mapping, checked."""
    try:
        registry = data["registry"]
        if registry not in REGISTRIES:
            raise ManifestError(f"{path}: series registry must be one of {REGISTRIES}")
        provision_data = data.get("provision")
        provision = family.provision
        if provision_data:
            provision = Provision(
                kind=provision_data.get("kind", "npm" if registry == "npm" else "pip"),
                packages=tuple(provision_data.get("packages", [])),
                python=provision_data.get("python"),
                executables=tuple(provision_data.get("executables", [])),
            )
        configurations = []
        for entry in data.get("configurations", [{"name": "default", "role": "default"}]):
            role = entry.get("role", "default")
            if role not in ROLES:
                raise ManifestError(f"{path}: a configuration's role is one of {ROLES}")
            configurations.append(
                Configuration(
                    name=entry["name"],
                    role=role,
                    label=entry.get("label"),
                    host_arguments=tuple(entry.get("host_arguments", [])),
                    discover=tuple(entry.get("discover", [])),
                    pattern=entry.get("pattern"),
                    exclude=entry.get("exclude"),
                    flag_format=entry.get("flag_format"),
                )
            )
        series_family = replace(
            family,
            provision=provision,
            start=tuple(data.get("start", family.start)),
            host=data.get("host", family.host),  # a shim of the series' own, say
        )
        return Series(
            family=series_family,
            registry=registry,
            package=data["package"],
            since=str(data["since"]) if data.get("since") is not None else None,
            configurations=tuple(configurations),
            notes={str(k): str(v) for k, v in (data.get("notes") or {}).items()},
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ManifestError(f"{path}: bad series: {error!r}") from None


def load_series(folder: Path | None = None) -> dict[str, Series]:
    """Every family's series, by family name, from the manifests that name one."""
    folder = folder or engines_dir()
    found = {}
    for manifest in sorted(folder.glob("*/manifest.yaml")):
        try:
            data = yaml.safe_load(manifest.read_text("utf-8"))
        except yaml.YAMLError as error:
            raise ManifestError(f"{manifest}: bad engine manifest: {error}") from None
        if isinstance(data, dict) and data.get("series"):
            family = family_from_manifest(manifest, data)
            found[family.name] = read_series(family, data["series"], manifest)
    return found


# --- which releases exist --------------------------------------------------------------------


def release_key(version: str) -> Version | None:
    """The sortable form of a release; None for what is not a plain release."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return None
    return None if parsed.is_prerelease or parsed.is_devrelease else parsed


def releases(series: Series, refresh: bool = False, ask=None) -> list[str]:
    """Every release of the series from `since` on, oldest first (cached a few hours)."""
    cached = _listing_path(series)
    listing = None
    if not refresh and cached.exists() and time.time() - cached.stat().st_mtime < LISTING_FRESH_FOR:
        listing = json.loads(cached.read_text("utf-8"))
    if listing is None:
        listing = (ask or ask_registry)(series.registry, series.package)
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(listing), "utf-8")
    floor = release_key(series.since) if series.since else None
    keyed = [(release_key(version), version) for version in listing]
    chosen = [(k, v) for k, v in keyed if k is not None and (floor is None or k >= floor)]
    return [version for _, version in sorted(chosen)]


def ask_registry(registry: str, package: str) -> list[str]:
    """The versions the registry publishes, asked with its ordinary client."""
    if registry == "npm":
        command = ["npm", "view", package, "versions", "--json"]
    else:
        command = [sys.executable, "-m", "pip", "index", "versions", package]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RegistryError(f"{' '.join(command)}: {error}") from None
    if done.returncode != 0:
        raise RegistryError(f"{' '.join(command)}: {done.stderr.strip()[-500:]}")
    if registry == "npm":
        versions = json.loads(done.stdout)
        return [versions] if isinstance(versions, str) else list(versions)
    match = re.search(r"^Available versions: (.*)$", done.stdout, re.M)
    if not match:
        raise RegistryError(f"{' '.join(command)}: no list of versions in {done.stdout[:200]!r}")
    return [version.strip() for version in match.group(1).split(",")]


def _listing_path(series: Series) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{series.registry}-{series.package}")
    return cache_dir() / "series" / f"{name}.json"


# --- a configuration's flags, found in the release itself ------------------------------------


def discover_flags(configuration: Configuration, program: str) -> list[str]:
    """The flags a release knows that the configuration switches on (node's V8 options)."""
    if not configuration.discover or not configuration.pattern:
        return []
    try:
        done = subprocess.run(
            [program, *configuration.discover], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = dict.fromkeys(re.findall(configuration.pattern, done.stdout + done.stderr))
    if configuration.exclude:
        found = {flag: None for flag in found if not re.search(configuration.exclude, flag)}
    if configuration.flag_format and found:
        return [configuration.flag_format.format(",".join(found))]
    return list(found)
