"""The one table of a matrix run's options, and every route's spelling of them.

Each option is declared here once: its name, its kind of value, its help and the routes
that expose it. From this table come `wasm-matrix run`'s arguments, the pytest plugin's
command-line options and ini keys, the `[tool.wasm-matrix]` keys of pyproject.toml, the
keywords of the nox helper, the `wasm_matrix_*` settings of the tox plugin, and the pytest
command line every route runs (`routes.py`); tests/test_options.py fails when a route
misses an option the table gives it.

Spellings follow from the name (`engines`): `--engines` (wasm-matrix run),
`--matrix-engines` (pytest), `wasm_matrix_engines` (ini and tox), `engines`
(`[tool.wasm-matrix]` and the nox helper). Where a value is given in more than one place,
the command line wins, then the ini key, then `[tool.wasm-matrix]`, then the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Route(Enum):
    CLI = "wasm-matrix run"
    PYTEST = "pytest command line"
    INI = "pytest ini key"
    SETTINGS = "[tool.wasm-matrix]"
    NOX = "nox helper keyword"
    TOX = "tox setting"


class Kind(Enum):
    FLAG = "flag"  # on or off
    TEXT = "text"  # one string
    PATH = "path"  # one file or folder
    LIST = "list"  # strings: comma-separated on a command line, a list elsewhere
    PATHS = "paths"  # files or folders: the option repeated; pytest collects them too


EVERY_ROUTE = frozenset(Route)
COMMAND_LINES = frozenset({Route.CLI, Route.PYTEST})


@dataclass(frozen=True)
class Cli:
    """How `wasm-matrix run` spells an option when it differs from `--<name>`."""

    flags: tuple[str, ...] = ()  # none: a positional argument
    default: Any = None
    nargs: str | None = None
    const: Any = None
    help: str | None = None  # when its default differs from the other routes'


@dataclass(frozen=True)
class Option:
    """One option. Not given, it is empty (`empty`), and the next place in the order above
    decides; its help says what that comes to. Only `wasm-matrix run` has defaults of its
    own (`Cli.default`), such as `--reports reports`."""

    name: str
    kind: Kind
    help: str
    routes: frozenset[Route]
    metavar: str | None = None
    cli: Cli | None = None  # None: `--<name>`
    pytest_flags: tuple[str, ...] = ()  # empty: `--matrix-<name>`
    # The flag a route gives pytest for an option the plugin does not declare itself
    # (pytest's or pytest-xdist's own, such as -n).
    pytest_own: str | None = None

    @property
    def dashed(self) -> str:
        return self.name.replace("_", "-")

    @property
    def cli_flags(self) -> tuple[str, ...]:
        return self.cli.flags if self.cli is not None else (f"--{self.dashed}",)

    @property
    def pytest_spellings(self) -> tuple[str, ...]:
        """The plugin's flags for this option (the first is the one routes give)."""
        return self.pytest_flags or (f"--matrix-{self.dashed}",)

    @property
    def pytest_flag(self) -> str | None:
        """The flag the routes give pytest for this option; None: pytest is not told
        (an option of `wasm-matrix run` itself, such as --fail-on)."""
        if self.pytest_own:
            return self.pytest_own
        return self.pytest_spellings[0] if Route.PYTEST in self.routes else None

    @property
    def dest(self) -> str:
        """The attribute of pytest's `config.option` that holds the command line's value."""
        return f"matrix_{self.name}"

    @property
    def key(self) -> str:
        """The ini key and the tox setting."""
        return f"wasm_matrix_{self.name}"

    @property
    def empty(self) -> Any:
        """The value that means "not given"."""
        if self.kind is Kind.FLAG:
            return False
        return [] if self.kind in (Kind.LIST, Kind.PATHS) else None


SWITCH = "--wasm-matrix"  # pytest: collect YAML cases at all (an ini `wasm_matrix_cases` too)

OPTIONS: tuple[Option, ...] = (
    Option(
        "cases",
        Kind.PATHS,
        "case files or folders: only cases under them are collected "
        "(default: the `wasm_matrix_cases` of the project's pytest configuration)",
        frozenset({Route.CLI, Route.PYTEST, Route.INI, Route.NOX, Route.TOX}),
        metavar="PATH",
        cli=Cli(flags=(), nargs="*", help="case files or folders (default: cases)"),
    ),
    Option(
        "suite",
        Kind.PATHS,
        "a WebAssembly spec test suite folder (or .wast scripts): every script on every engine",
        COMMAND_LINES,
        metavar="PATH",
        pytest_flags=("--suite", "--matrix-suite"),
    ),
    Option(
        "engines",
        Kind.LIST,
        "engine ids, globs, families or FAMILY@newest, comma-separated "
        "(default: [tool.wasm-matrix] engines, else every engine build)",
        EVERY_ROUTE,
    ),
    Option(
        "only_engine",
        Kind.TEXT,
        "of the cells the run would have, only those on this engine build (the nox "
        "helper's one-build sessions: cases' own `engines:` still narrow as in the whole run)",
        COMMAND_LINES,
        metavar="ID",
    ),
    Option(
        "toolchains",
        Kind.LIST,
        "toolchains, comma-separated (default: all that fit each case)",
        EVERY_ROUTE,
    ),
    Option(
        "profiles",
        Kind.LIST,
        "profiles, comma-separated (default: those each case names)",
        EVERY_ROUTE,
    ),
    Option(
        "requires",
        Kind.LIST,
        "engine ids, globs or families whose non-pass fails the run; other engines' "
        "non-passes are xfail (default: [tool.wasm-matrix] requires, else every engine; "
        "a case's own `requires` wins)",
        EVERY_ROUTE,
    ),
    Option(
        "reports",
        Kind.PATH,
        "folder for runs (default: [tool.wasm-matrix] reports, else reports/ in the "
        "project's root)",
        frozenset({Route.CLI, Route.PYTEST, Route.SETTINGS, Route.NOX, Route.TOX}),
        cli=Cli(
            flags=("--reports",),
            default="reports",
            help="folder for runs (default: reports, in the working folder)",
        ),
    ),
    Option(
        "no_provision",
        Kind.FLAG,
        "do not install missing engines and toolchains; their cells are skipped",
        COMMAND_LINES,
    ),
    Option(
        "no_system_packages",
        Kind.FLAG,
        "do not install or unpack Debian packages for engines and toolchains (by default, "
        "as root they are installed, otherwise unpacked into the cache); their cells are "
        "skipped with the command that gets them",
        COMMAND_LINES,
    ),
    Option(
        "hostile",
        Kind.FLAG,
        "also collect the hostile corpus (case folders named 'hostile': infinite loops, "
        "memory bombs, …); naming such a folder or file does too",
        COMMAND_LINES,
    ),
    Option(
        "shard",
        Kind.TEXT,
        "run only shard K of N, split by expected cost; `wasm-matrix merge` joins the shards' runs",
        COMMAND_LINES,
        metavar="K/N",
    ),
    Option(
        "shard_durations",
        Kind.PATH,
        "an earlier run whose cell durations balance the shards (default: a cost model)",
        COMMAND_LINES,
        metavar="RUN",
    ),
    Option(
        "durations",
        Kind.TEXT,
        "an earlier run whose cell times order and deal the cells over -n workers "
        "(default: the newest earlier run in the reports folder, else a cost model; "
        "'none': the cost model only)",
        COMMAND_LINES,
        metavar="RUN",
    ),
    Option(
        "resume",
        Kind.PATH,
        "resume an interrupted run: append to its results, skipping cells it has; give "
        "the same cases and selection",
        COMMAND_LINES,
        metavar="RUN_DIR",
        cli=Cli(
            flags=("--resume",),
            nargs="?",
            const="",
            help="resume an interrupted run (default: the latest under --reports): cells it "
            "has results for are not run again; give the same cases and selection",
        ),
    ),
    Option(
        "workers",
        Kind.TEXT,
        "parallel workers (pytest-xdist): a number, 'auto', or 0 for none",
        frozenset({Route.CLI}),
        cli=Cli(flags=("-n", "--workers"), default="auto"),
        pytest_own="-n",
    ),
    Option(
        "junitxml",
        Kind.PATH,
        "also write JUnit XML (one test per cell)",
        frozenset({Route.CLI}),
        metavar="PATH",
        pytest_own="--junitxml",
    ),
    Option(
        "fail_on",
        Kind.LIST,
        "outcomes that make the exit status 1, comma-separated "
        "(default: error; e.g. 'error,crash,fail' for CI gating)",
        frozenset({Route.CLI}),
        cli=Cli(flags=("--fail-on",), default="error"),
    ),
)

BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}


def routed(route: Route) -> list[Option]:
    """The options a route exposes, in the table's order."""
    return [option for option in OPTIONS if route in option.routes]


def split_list(text: str | None) -> list[str]:
    """A comma-separated command-line value as a list (`a, b,` → [a, b])."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def command_line_value(option: Option, given: Any) -> Any:
    """A value as argparse left it, in the option's kind (LIST: a list; "" for none)."""
    if option.kind is Kind.LIST:
        return split_list(given) if isinstance(given, str) else list(given or [])
    if option.kind is Kind.PATHS:
        return list(given or [])
    if option.kind is Kind.FLAG:
        return bool(given)
    return given if given not in ("", None) else None


# -- the routes' declarations -------------------------------------------------------------


def add_cli_arguments(parser) -> None:
    """`wasm-matrix run`'s arguments (an argparse parser)."""
    for option in routed(Route.CLI):
        add_cli_argument(parser, option)


def add_cli_argument(parser, option: Option, default: Any = None, help: str | None = None) -> None:
    """One option of the table as `wasm-matrix run` spells it, on any argparse parser; a
    command that shares it (`snapshot --reports`, `since`'s cases) may give its own
    default and help."""
    spec = option.cli or Cli(flags=option.cli_flags)
    keywords: dict[str, Any] = {"help": help or spec.help or option.help}
    if option.kind is Kind.FLAG:
        keywords["action"] = "store_true"
    elif option.kind is Kind.PATHS and spec.flags:
        keywords.update(action="append", default=[])
    else:
        given = default if default is not None else spec.default
        keywords["default"] = given if given is not None else option.empty
        if option.kind is Kind.LIST and not isinstance(keywords["default"], str):
            keywords["default"] = ""
    if spec.nargs is not None:
        keywords["nargs"] = spec.nargs
    if spec.const is not None:
        keywords["const"] = spec.const
    if option.metavar and option.kind is not Kind.FLAG:
        keywords["metavar"] = option.metavar
    if spec.flags:
        parser.add_argument(*spec.flags, dest=option.name, **keywords)
    else:  # positional: argparse takes the name as the dest
        keywords["default"] = default
        parser.add_argument(option.name, **keywords)


def cli_values(namespace) -> dict[str, Any]:
    """The values `wasm-matrix run` was given, by option name, each in its kind."""
    return {
        option.name: command_line_value(option, getattr(namespace, option.name))
        for option in routed(Route.CLI)
    }


def add_pytest_options(parser) -> None:
    """The plugin's command-line options and ini keys (a pytest.Parser)."""
    group = parser.getgroup("wasm-matrix", "WebAssembly compatibility matrix")
    group.addoption(SWITCH, action="store_true", help="collect YAML case files as matrix cells")
    for option in routed(Route.PYTEST):
        keywords: dict[str, Any] = {"dest": option.dest, "help": option.help}
        if option.kind is Kind.FLAG:
            keywords["action"] = "store_true"
        elif option.kind is Kind.PATHS:
            keywords.update(action="append", default=[])
        else:
            keywords["default"] = "" if option.kind is Kind.LIST else None
        if option.metavar and option.kind is not Kind.FLAG:
            keywords["metavar"] = option.metavar
        group.addoption(*option.pytest_spellings, **keywords)
    for option in routed(Route.INI):
        parser.addini(
            option.key,
            type="paths" if option.kind is Kind.PATHS else "args",
            default=[],
            help=f"{option.help} ({option.pytest_flag} wins)",
        )


# -- one value from the places that may give it ----------------------------------------------


@dataclass(frozen=True)
class Given:
    """An option's value and where it came from ("command line", "ini", "settings",
    "default"): paths are relative to a different folder in each."""

    value: Any
    source: str


def resolve(config, settings: object) -> dict[str, Given]:
    """Every pytest option's value: the command line, else the ini key, else
    `[tool.wasm-matrix]` (a Settings), else the default. `config` is pytest's Config."""
    resolved = {}
    for option in routed(Route.PYTEST):
        value = command_line_value(option, getattr(config.option, option.dest))
        if value:
            resolved[option.name] = Given(value, "command line")
        elif Route.INI in option.routes and config.getini(option.key):
            resolved[option.name] = Given(list(config.getini(option.key)), "ini")
        elif Route.SETTINGS in option.routes and getattr(settings, option.name):
            value = getattr(settings, option.name)
            resolved[option.name] = Given(list(value) if option.empty == [] else value, "settings")
        else:
            resolved[option.name] = Given(option.empty, "default")
    return resolved
