"""One table of options (matrix/options.py) behind every route: each route exposes exactly
the options the table gives it, and a value given on any route reaches the plugin intact."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields

import pytest

from matrix import cli
from matrix.options import BY_NAME, OPTIONS, Kind, Route, cli_values, resolve, routed
from matrix.routes import pytest_arguments
from matrix.settings import Settings, load_settings

from .helpers import REPO

SAMPLES = {
    Kind.FLAG: True,
    Kind.TEXT: "2/3",
    Kind.PATH: "some/folder",
    Kind.LIST: ["wasmtime-5*", "node"],
    Kind.PATHS: ["one", "two/three.yaml"],
}

SPECIAL = {"workers": "2"}  # a number of pytest-xdist workers


def sample(option):
    return SPECIAL.get(option.name, SAMPLES[option.kind])


def names(route: Route) -> set[str]:
    return {option.name for option in routed(route)}


def run_parser():
    """`wasm-matrix run`'s own argparse parser."""
    parser = cli._parser()
    namespace = parser.parse_args(["run"])
    assert namespace.handler is cli._run
    return parser


def test_every_option_says_what_it_is():
    assert len(BY_NAME) == len(OPTIONS), "an option is in the table twice"
    for option in OPTIONS:
        assert option.routes, f"{option.name} is on no route"
        assert option.help and option.help[0].islower(), option.name


def test_the_cli_has_every_option_of_its_route():
    given = vars(run_parser().parse_args(["run"]))
    assert set(given) - {"handler"} == names(Route.CLI)


def test_pytest_has_every_option_and_ini_key_of_its_routes(pytester):
    shown = pytester.runpytest_subprocess("--help", "-p", "no:cacheprovider").stdout.str()
    section = shown[shown.index("WebAssembly compatibility matrix") :]
    flags = set(re.findall(r"(?<![\w-])--(?:matrix-[a-z-]+|suite)\b", section))
    expected = {flag for option in routed(Route.PYTEST) for flag in option.pytest_spellings}
    assert flags == expected
    ini_keys = set(re.findall(r"^  (wasm_matrix_\w+) \(", shown, re.MULTILINE))
    assert ini_keys == {option.key for option in routed(Route.INI)}


def test_settings_have_every_key_of_their_route(tmp_path):
    assert {field.name for field in fields(Settings)} == names(Route.SETTINGS)
    lines = []
    for option in routed(Route.SETTINGS):
        value = sample(option)
        shown = (
            "[" + ", ".join(f'"{v}"' for v in value) + "]"
            if isinstance(value, list)
            else f'"{value}"'
        )
        lines.append(f"{option.name} = {shown}")
    (tmp_path / "pyproject.toml").write_text("[tool.wasm-matrix]\n" + "\n".join(lines) + "\n")
    settings = load_settings(tmp_path)
    for option in routed(Route.SETTINGS):
        value = getattr(settings, option.name)
        expected = sample(option)
        assert (list(value) if isinstance(value, tuple) else value) == expected, option.name


def test_the_nox_helper_takes_every_option_of_its_route():
    nox = pytest.importorskip("nox", reason="nox is not installed (pip install -e '.[test]')")
    del nox
    from matrix import nox as matrix_nox

    own = {"session", "name", "build", "install", "pytest_args", "python", "reuse_venv", "tags"}
    for function in (matrix_nox.add_matrix_session, matrix_nox.run_matrix):
        keywords = set(inspect.signature(function).parameters) - own
        assert keywords == names(Route.NOX), function.__name__


def test_the_tox_plugin_declares_every_option_of_its_route():
    pytest.importorskip("tox", reason="tox is not installed (pip install -e '.[test]')")
    from matrix import tox_plugin

    class Declared:  # records what tox is told (test_tox_plugin has tox read them for real)
        def __init__(self):
            self.keys: list[str] = []

        def add_config(self, keys, of_type, default, desc):
            assert desc
            self.keys.extend(keys)

    declared = Declared()
    tox_plugin.tox_add_env_config(declared, None)
    assert set(declared.keys) - {tox_plugin.ARGS, tox_plugin.POSARGS} == {
        option.key for option in routed(Route.TOX)
    }


def test_a_value_on_any_route_reaches_the_plugin_as_it_was_given(pytester):
    values = {option.name: sample(option) for option in routed(Route.PYTEST)}
    config = pytester.parseconfig(*pytest_arguments(**values))
    resolved = resolve(config, Settings())
    for name, value in values.items():
        assert resolved[name].value == value, name
        assert resolved[name].source == "command line", name


def test_wasm_matrix_run_gives_pytest_every_option_it_took(pytester):
    argv = ["run"]
    for option in routed(Route.CLI):
        value = sample(option)
        if not option.cli_flags:  # positional
            argv += value
        elif option.kind is Kind.FLAG:
            argv.append(option.cli_flags[0])
        elif option.kind is Kind.PATHS:
            argv += [f"{option.cli_flags[0]}={path}" for path in value]
        else:
            argv.append(
                f"{option.cli_flags[-1]}={','.join(value) if isinstance(value, list) else value}"
            )
    given = cli_values(run_parser().parse_args(argv))
    config = pytester.parseconfig(*pytest_arguments(**given))
    resolved = resolve(config, Settings())
    for option in routed(Route.CLI):
        if Route.PYTEST in option.routes:
            assert resolved[option.name].value == given[option.name], option.name
    assert config.option.numprocesses == 2  # -n, pytest-xdist's own
    assert config.option.xmlpath == "some/folder"  # --junitxml, pytest's own
    assert "fail_on" not in " ".join(pytest_arguments(**given))  # the CLI's own gate


def test_the_command_line_wins_over_ini_keys_and_settings(pytester):
    pytester.makeini("[pytest]\nwasm_matrix_engines = node\nwasm_matrix_profiles = mvp\n")
    settings = Settings(engines=("wasm3",), toolchains=("wat",), reports="build/runs")
    config = pytester.parseconfig("--matrix-engines", "wasmtime-50.0.1")
    resolved = resolve(config, settings)
    assert resolved["engines"].value == ["wasmtime-50.0.1"]
    assert resolved["engines"].source == "command line"
    assert (resolved["profiles"].value, resolved["profiles"].source) == (["mvp"], "ini")
    assert (resolved["toolchains"].value, resolved["toolchains"].source) == (["wat"], "settings")
    assert (resolved["reports"].value, resolved["reports"].source) == ("build/runs", "settings")
    assert (resolved["requires"].value, resolved["requires"].source) == ([], "default")


def test_routes_refuse_a_name_the_table_does_not_have():
    with pytest.raises(TypeError, match="not options of wasm-matrix: engine"):
        pytest_arguments(engine=["node"])


def test_the_options_page_shows_every_option_on_its_routes():
    page = (REPO / "docs" / "pytest.md").read_text("utf-8")
    table = page[page.index("## Options") :]
    for option in OPTIONS:
        spellings = {
            Route.CLI: option.cli_flags,
            Route.PYTEST: option.pytest_spellings,
            Route.INI: (option.key,),
            Route.TOX: (option.key,),
        }
        for route in option.routes:
            for spelling in spellings.get(route, ()):
                assert f"`{spelling}`" in table, f"{option.name}: {route.value} {spelling}"
