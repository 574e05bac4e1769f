"""[tool.wasm-matrix] in a project's pyproject.toml: defaults the command line overrides."""

import pytest

from matrix.settings import Settings, SettingsError, load_settings

from .helpers import NEWEST, OLDER


def test_no_pyproject_means_no_defaults(tmp_path):
    assert load_settings(tmp_path) == Settings()


def test_settings_are_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.wasm-matrix]\nengines = ["wasmtime", "node-2*"]\nprofiles = ["default"]\n'
    )
    settings = load_settings(tmp_path)
    assert settings.engines == ("wasmtime", "node-2*")
    assert settings.profiles == ("default",)
    assert settings.toolchains == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.wasm-matrix]\nengines = "wasmtime"\n', "engines must be a list of strings"),
        ("[tool.wasm-matrix]\nengine = []\n", "unknown [tool.wasm-matrix] keys: engine"),
        ("[tool.wasm-matrix\n", "pyproject.toml"),
    ],
)
def test_bad_settings_say_what_is_wrong(tmp_path, text, message):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert message in str(caught.value)


def test_the_plugin_takes_engines_from_settings_unless_the_command_line_says(pytester):
    pytester.makepyprojecttoml(f'[tool.wasm-matrix]\nengines = ["{OLDER}"]\n')
    pytester.makefile(".yaml", probe="kind: probe\nmodule: {wat: '(module)'}\n")
    common = [
        "--wasm-matrix",
        "--matrix-no-provision",
        "--matrix-reports",
        "reports",
        "-p",
        "no:cacheprovider",
        "--collect-only",
        "-q",
    ]
    from_settings = pytester.runpytest_subprocess(".", *common)
    assert [line for line in from_settings.stdout.lines if "::" in line] == [
        f"probe.yaml::wat/default/{OLDER}"
    ]
    overridden = pytester.runpytest_subprocess(".", "--matrix-engines", NEWEST, *common)
    assert [line for line in overridden.stdout.lines if "::" in line] == [
        f"probe.yaml::wat/default/{NEWEST}"
    ]
