"""`wasm-matrix engines` and `wasm-matrix toolchains`: list what is installed, provision
what is missing (Debian packages too: installed as root, otherwise unpacked)."""

from __future__ import annotations

import argparse
import sys

from .debian import SystemPackages
from .exits import EXIT_BROKEN, EXIT_OK


def add_parsers(commands) -> None:
    engines = commands.add_parser("engines", help="list engine builds; provision them")
    engines.add_argument(
        "--provision",
        nargs="*",
        metavar="ENGINE",
        help="install these engine builds (globs; none given: all), Debian packages too: "
        "installed as root, otherwise unpacked into the cache",
    )
    toolchains = commands.add_parser("toolchains", help="list toolchains; install them")
    toolchains.add_argument(
        "--provision",
        action="store_true",
        help="install missing toolchains, Debian packages too: installed as root, "
        "otherwise unpacked into the cache",
    )
    for command, handler in ((engines, _engines), (toolchains, _toolchains)):
        command.add_argument(
            "--system", action="store_true", help="the same as --provision (and all builds)"
        )
        command.add_argument(
            "--no-system-packages",
            action="store_true",
            help="with --provision: do not install or unpack Debian packages",
        )
        command.set_defaults(handler=handler)


def _engines(options: argparse.Namespace) -> int:
    from . import provision
    from .engines import families, load_engine_builds, select

    builds = load_engine_builds()
    if options.provision is not None or options.system:
        status = EXIT_OK
        chosen = select(builds, options.provision or None)
        system = SystemPackages.here(allowed=not options.no_system_packages)
        for key, got in provision.provision_all(chosen, system).items():
            if isinstance(got, provision.ProvisionError):
                print(f"{key}: {got}", file=sys.stderr)
                status = EXIT_BROKEN
            else:
                print(f"{key}: ready ({_version(got.handshake)})")
        return status
    available = 0
    for build in builds:
        environment = provision.ready(build)
        if environment:
            available += 1
            state = f"available  {_version(environment.handshake)}"
        else:
            state = f"missing    get it with: {provision.how_to_get(build)}"
        print(f"{build.id:44} {state}")
    print(f"{available} of {len(builds)} engine builds available, {len(families(builds))} families")
    return EXIT_OK


def _toolchains(options: argparse.Namespace) -> int:
    from .provision import ProvisionError
    from .toolchains import all_toolchains

    status = EXIT_OK
    system = SystemPackages.here(allowed=not options.no_system_packages)
    toolchains = all_toolchains().values()
    width = max(len(toolchain.name) for toolchain in toolchains)
    for toolchain in toolchains:
        if options.system or options.provision:
            try:
                toolchain.provision(system)
            except ProvisionError as error:
                print(f"{toolchain.name}: {error}", file=sys.stderr)
                status = EXIT_BROKEN
        reason = toolchain.unavailable_reason()
        state = f"missing    {reason}" if reason else f"available  {toolchain.version()}"
        print(f"{toolchain.name:{width}} {toolchain.format:8} {state}")
    return status


def _version(handshake: dict) -> str:
    """The exact version a host reported, with its underlying engine's when it has one."""
    version = str(handshake.get("version", "?"))
    underlying = handshake.get("engine_version")
    return f"{version} ({underlying})" if underlying else version
