"""What a fresh Debian machine lacks beyond Python (measured in a new Debian 12 root: README,
"How long the first run takes"): npm for the npm families, a C compiler and Python's
headers for pywasm3's source build. As root a run installs them with the other Debian
packages; otherwise each missing build says the one command that gets it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from matrix import debian, provision
from matrix.debian import SystemPackages
from matrix.engines import load_engine_builds
from matrix.install import ProvisionError

BUILDS = {build.id: build for build in load_engine_builds()}
NODE, WASM3, CHROMIUM = BUILDS["node-24"], BUILDS["wasm3-0.5.0"], BUILDS["chromium-stable"]


@pytest.fixture
def no_npm(monkeypatch):
    """A machine whose PATH has no npm (everything else as it is)."""
    which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "npm" else which(name, *a, **k)
    )


def test_without_npm_an_npm_build_needs_debian_s_npm_and_says_so(no_npm):
    assert provision.debian_packages(NODE) == ("npm",)
    assert provision.how_to_get(NODE).startswith("apt-get install npm ")
    # A browser's npm driver: npm and the browser.
    assert provision.debian_packages(CHROMIUM) == ("npm", "chromium")


def test_with_npm_an_npm_build_needs_nothing_from_debian():
    if shutil.which("npm") is None:
        pytest.skip("npm is not on PATH here")
    assert provision.debian_packages(NODE) == ()


def test_as_root_npm_is_installed_with_the_other_debian_packages_first(no_npm, monkeypatch):
    installed: list[list[str]] = []
    monkeypatch.setattr(debian, "install_all", lambda packages, log: installed.append(packages))
    monkeypatch.setattr(provision, "ready", lambda build: None)
    monkeypatch.setattr(provision, "provision", lambda build, system, log: build.id)
    got = provision.provision_all([NODE, WASM3], SystemPackages.INSTALL, log=lambda _: None)
    assert sorted(got.values()) == ["node-24", "wasm3-0.5.0"]
    assert installed == [["npm", "gcc", "libc6-dev", "python3-dev"]]  # once, before the rest


@pytest.mark.parametrize("mode", [SystemPackages.UNPACK, SystemPackages.OFF])
def test_without_root_a_missing_npm_is_a_clear_error_with_the_command(no_npm, tmp_path, mode):
    with pytest.raises(ProvisionError, match=r"needs npm .*get it with: apt-get install npm$"):
        provision._install_npm(NODE, tmp_path, mode, log=lambda _: None)


def test_a_failed_source_build_names_the_debian_packages_it_needs(monkeypatch, tmp_path):
    def fails(folder, requirements, python=None):
        raise ProvisionError("pip install pywasm3==0.5.0 failed:\nerror: command 'gcc' failed")

    monkeypatch.setattr(provision, "pip_venv", fails)
    with pytest.raises(ProvisionError) as caught:
        provision._install_pip(WASM3, tmp_path, SystemPackages.OFF, log=lambda _: None)
    assert "command 'gcc' failed" in str(caught.value)  # pip's own words stay
    assert "needs: apt-get install gcc libc6-dev python3-dev" in str(caught.value)
    # The one command for the build is still its provisioning, which installs them as root.
    assert provision.how_to_get(WASM3) == "wasm-matrix engines --provision 'wasm3-0.5.0'"


@pytest.mark.skipif(not debian.available(), reason="not a Debian machine (apt-get)")
def test_debian_knows_every_package_a_fresh_machine_is_given():
    # apt's own resolver (a simulated install; no root needed): a misspelt name fails here.
    debian.missing(list(WASM3.family.provision.system_packages))
    # npm only where npm is missing: a machine with another Node.js (e.g. one whose nodejs
    # package carries npm itself) cannot take Debian's npm, and the run never asks for it.
    for name in provision.NPM_DEBIAN:
        shown = subprocess.run(["apt-cache", "show", name], capture_output=True, text=True)
        assert shown.returncode == 0 and f"Package: {name}\n" in shown.stdout
