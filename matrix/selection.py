"""What a matrix run selects: engine builds, toolchains, profiles, required engines, case
and suite folders, where runs go, sharding and resuming. Made once per process from the
option table's values (`options.resolve`), checked, with paths made absolute."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .cases import known_engine_pattern
from .engines import EngineBuild, load_engine_builds, select
from .options import Given, resolve
from .planner import Shard
from .settings import SettingsError, load_settings


class SelectionError(Exception):
    """A selection that cannot run (an unknown engine, a bad shard, no run to resume)."""


@dataclass
class Selection:
    engines: list[EngineBuild]
    engines_named: bool = False  # by the run (any route): cases' own `engines:` give way
    # The builds cases' own `engines:` choose from (empty: `engines`): the whole run's,
    # when this run is one build's slice of it (--matrix-only-engine).
    engine_pool: list[EngineBuild] = field(default_factory=list)
    toolchains: list[str] = field(default_factory=list)  # empty: all that fit each case
    profiles: list[str] = field(default_factory=list)  # empty: those each case names
    requires: list[str] = field(default_factory=list)  # empty: every engine is required
    case_roots: list[Path] = field(default_factory=list)  # empty: any case file given
    suite_roots: list[Path] = field(default_factory=list)
    reports: Path = Path("reports")
    no_provision: bool = False
    no_system_packages: bool = False
    hostile: bool = False
    shard: Shard | None = None
    shard_durations: Path | None = None
    durations: str | None = None  # -n's cell times: a run folder, "none", or None (newest)
    resume: Path | None = None
    # What the command line said, for run.json (`*`: not narrowed).
    given: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pytest(cls, config) -> Selection:
        """The selection of a pytest run (`config` is pytest's Config)."""
        try:
            values = resolve(config, load_settings(config.rootpath))
        except SettingsError as error:
            raise SelectionError(str(error)) from None
        return cls.from_values(values, config.rootpath, config.invocation_params.dir)

    @classmethod
    def from_values(cls, values: dict[str, Given], root: Path, here: Path) -> Selection:
        """`root` is the project's root (pytest's rootdir), `here` the working folder."""

        def folder(given: Given, path: str | Path) -> Path:
            # Ini keys, settings and conftest lines are relative to the project's root;
            # the command line is relative to where it was typed.
            base = here if given.source == "command line" else root
            return Path(os.path.normpath(base / path))

        requires = values["requires"].value
        for pattern in requires:
            if not known_engine_pattern(pattern):
                raise SelectionError(f"wasm-matrix: requires {pattern!r} names no engine build")
        cases = values["cases"]
        reports = values["reports"]
        try:
            shard = Shard.parse(values["shard"].value) if values["shard"].value else None
        except ValueError as error:
            raise SelectionError(str(error)) from None
        resume = None
        if values["resume"].value:
            resume = Path(values["resume"].value).resolve()
            if not (resume / "results.jsonl").exists():
                raise SelectionError(f"--matrix-resume: no results.jsonl in {resume}")
        durations = values["shard_durations"].value
        pool = select(load_engine_builds(), values["engines"].value)
        only = values["only_engine"].value
        engines = [build for build in pool if build.id == only] if only else pool
        if only and not engines:
            raise SelectionError(
                f"wasm-matrix: --matrix-only-engine {only!r} is not one of the run's engine builds"
            )
        return cls(
            engines=engines,
            engine_pool=pool if only else [],
            engines_named=bool(values["engines"].value) and values["engines"].source != "default",
            toolchains=values["toolchains"].value,
            profiles=values["profiles"].value,
            requires=requires,
            # A node id (`file.yaml::cell`) names its file.
            case_roots=[folder(cases, str(path).split("::")[0]) for path in cases.value],
            suite_roots=[Path(path).resolve() for path in values["suite"].value],
            reports=_reports_folder(reports, root),
            no_provision=values["no_provision"].value,
            no_system_packages=values["no_system_packages"].value,
            hostile=values["hostile"].value,
            shard=shard,
            shard_durations=Path(durations) if durations else None,
            durations=values["durations"].value,
            resume=resume,
            given={
                name: ",".join(values[name].value) if values[name].source == "command line" else "*"
                for name in ("engines", "toolchains", "profiles")
            },
        )


def _reports_folder(reports: Given, root: Path) -> Path:
    if reports.source == "command line":
        return Path(reports.value)  # as given: the terminal summary shows it so
    return root / (reports.value or "reports")
