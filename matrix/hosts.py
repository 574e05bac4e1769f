"""Hosts: start an engine's host, shake hands, send it requests, stop it.

One `Host` owns a host process's whole life, as Bowtie's core does: `with Host(build,
environment) as host:` starts it and reads its handshake, `host.request(Run(…), timeout)`
sends a typed request (matrix/protocol.py) and reads its typed answer, and leaving the
block stops it. A host answers one JSON line per request (engines/protocol.md). A reader
thread moves its stdout lines into a queue, so waiting for an answer can time out; another
keeps the last lines of its stderr, which become the message when the host dies. While it
waits, the host's memory is watched (host_limits.py).

Where a host runs is its engine build's `Environment`: the folder provisioning made (see
provision.py) and the values for the manifest's start command.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .debian import unpacked_environment
from .engines import EngineBuild
from .host_limits import (
    describe_exit,
    limit_host,
    memory_limit,
    session_alive,
    session_resident_bytes,
)
from .protocol import Answer, Handshake, ProtocolViolation, Request, Start, Stop

START_TIMEOUT = 60.0  # seconds for a host to import its engine and answer `start`
MEMORY_POLL = 0.2  # seconds between looks at a busy host's memory
STDERR_LINES = 40
STOP_TIMEOUT = 5.0  # seconds a host asked to stop has to end by itself


class HostError(Exception):
    """The host could not answer: it died, hung, or spoke outside the protocol."""


# How a host that died before its handshake is described (no module had reached it yet).
DIED_AT_START = "at start, before its handshake"


class HostDied(HostError):
    """The host's process ended (or closed its stdout) before answering."""


class HostTimedOut(HostError):
    """No answer within the time limit; the host has been killed."""


class HostOutOfMemory(HostDied):
    """The host used more memory than allowed and has been killed."""


class HostProtocolError(HostError):
    """The host answered something that is not a protocol message."""


@dataclass(frozen=True)
class Environment:
    """Where an engine build's host runs: the folder provisioning made for it."""

    folder: Path
    handshake: dict  # the plain build's answer to `start`, as engine.json keeps it
    places: dict[str, str]  # values for the start command's placeholders

    @property
    def python(self) -> Path:
        return Path(self.places["python"])


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


def host_environment(environment: Environment | None = None) -> dict[str, str]:
    """The scrubbed environment hosts run in: no user variables, nothing to leak. A
    program unpacked from Debian packages (provision.py) also gets its own folders'
    programs, libraries and typelibs first."""
    keep = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SYSTEMROOT", "TMPDIR"):
        if name in os.environ:
            keep[name] = os.environ[name]
    if environment is not None and "unpacked" in environment.places:
        return unpacked_environment(Path(environment.places["unpacked"]), keep)
    return keep


class Host:
    """One host process: start and handshake, requests, stop (a context manager)."""

    def __init__(self, build: EngineBuild, environment: Environment):
        self.build = build
        self.environment = environment
        self.handshake = Handshake()
        self.memory_limit = memory_limit()
        self._process: subprocess.Popen | None = None
        self._answers: queue.Queue = queue.Queue()
        self._stderr: collections.deque = collections.deque(maxlen=STDERR_LINES)
        self._stderr_reader: threading.Thread | None = None
        self._seq = 0
        self._pending = False  # a request is out and unanswered (a Ctrl-C came mid-cell)
        self._stopping = False  # `stop` was sent and the host's input closed

    def __enter__(self) -> Host:
        if self._process is None:
            self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, timeout: float = START_TIMEOUT) -> Handshake:
        """Start the process and read its handshake (a failure kills it again)."""
        self._process = subprocess.Popen(
            host_command(self.build, self.environment),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=host_environment(self.environment),
            cwd=self.environment.folder,
            # Its own session: a Ctrl-C at the terminal stops the run, which then stops the
            # host, rather than killing the host mid-cell and recording a false crash.
            start_new_session=True,
            preexec_fn=limit_host(os.getpid()),
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        threading.Thread(target=self._read_answers, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()
        try:
            self.handshake = self.request(Start(), timeout)
        except HostDied as died:  # no module ever reached it: every cell's message says so
            self.kill()
            first, _, rest = str(died).partition("\n")
            raise HostDied(f"{first} {DIED_AT_START}" + (f"\n{rest}" if rest else "")) from None
        except BaseException:
            self.kill()
            raise
        return self.handshake

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def request(self, message: Request, timeout: float) -> Answer:
        """Send a typed request and read its typed answer (of class message.answer)."""
        self._seq += 1
        answer = self._send(message.to_wire(self._seq), timeout)
        try:
            return message.answer.from_wire(answer)
        except ProtocolViolation as error:
            raise HostProtocolError(f"{self.build.id} host: {error}") from None

    def exchange(self, wire: dict, timeout: float) -> dict:
        """Write one JSON object and return the host's answer to it as it came. `request`
        is the typed way; this is for messages outside the protocol (its own tests)."""
        self._seq += 1
        return self._send({**wire, "seq": self._seq}, timeout)

    def _send(self, wire: dict, timeout: float) -> dict:
        if not self.alive:
            raise HostDied(self._death_note())
        try:
            self._process.stdin.write(json.dumps(wire) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise HostDied(self._death_note()) from None
        deadline = time.monotonic() + timeout
        self._pending = True
        answer = self._await(deadline, timeout)
        self._pending = False
        return answer

    def _await(self, deadline: float, timeout: float) -> dict:
        while True:
            try:
                line = self._answers.get(timeout=MEMORY_POLL)
            except queue.Empty:
                self._check_memory()
                if time.monotonic() >= deadline:
                    self.kill()
                    raise HostTimedOut(
                        f"no answer from {self.build.id} within {timeout:g} s"
                    ) from None
                continue
            if line is None:
                raise HostDied(self._death_note())
            try:
                answer = json.loads(line)
            except ValueError:
                raise HostProtocolError(f"{self.build.id} host wrote {line[:200]!r}") from None
            if not isinstance(answer, dict):
                raise HostProtocolError(f"{self.build.id} host wrote {line[:200]!r}")
            if answer.get("seq") == self._seq:
                return answer
            # An answer to an older request that timed out on our side: drop it.

    def _check_memory(self) -> None:
        """Kill a host whose resident memory passed the limit (a memory.grow bomb, a leak).

        Counted over the host's whole session, so a browser's renderer processes count too.
        """
        resident = session_resident_bytes(self._process.pid)
        if resident is not None and resident > self.memory_limit:
            self.kill()
            raise HostOutOfMemory(
                f"{self.build.id} host was killed: it used {resident / 2**20:.0f} MiB, "
                f"over the limit of {self.memory_limit / 2**20:.0f} MiB"
            )

    def stop(self) -> None:
        self.ask_to_stop()
        self.finish_stop(time.monotonic() + STOP_TIMEOUT)

    def ask_to_stop(self) -> None:
        """Send `stop` without waiting for the answer (a pool stops its hosts together)."""
        # A host still busy with an interrupted request would not read `stop`: it is killed.
        if self.alive and not self._pending:
            self._seq += 1
            with contextlib.suppress(OSError, ValueError):
                self._process.stdin.write(json.dumps(Stop().to_wire(self._seq)) + "\n")
                self._process.stdin.flush()
                self._process.stdin.close()  # and end of input, which every host obeys too
                self._stopping = True

    def finish_stop(self, deadline: float) -> None:
        """Give a host that was asked to stop until `deadline` to end by itself (a browser
        closes its windows), then kill whatever is left of its process group."""
        if self._stopping and self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=max(0.0, deadline - time.monotonic()))
        self.kill()

    def kill(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            # The host leads its own process group: take its children (a browser) with it.
            with contextlib.suppress(OSError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.kill()
        elif session_alive(self._process.pid):
            # Children a dead host left behind: while any is alive, the session's id (the
            # host's pid) cannot be given to another process, so this reaches only them.
            with contextlib.suppress(OSError):
                os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._pending = False
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            with contextlib.suppress(OSError):
                stream.close()

    def _read_answers(self) -> None:
        for line in self._process.stdout:
            self._answers.put(line)
        self._answers.put(None)

    def _read_stderr(self) -> None:
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _death_note(self) -> str:
        code = None
        if self._process is not None:
            try:
                code = self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                code = self._process.wait()
        # The stderr reader may still be draining: let it catch the host's last words.
        if self._stderr_reader is not None:
            self._stderr_reader.join(timeout=2)
        how = describe_exit(code)
        stderr = "\n".join(self._stderr).strip()
        return f"{self.build.id} host {how}" + (f":\n{stderr}" if stderr else "")


def describe(
    build: EngineBuild, environment: Environment, timeout: float = START_TIMEOUT
) -> Handshake:
    """The build's handshake from a host started for just that (raises HostError)."""
    host = Host(build, environment)
    try:
        return host.start(timeout)
    finally:
        host.stop()


class HostPool:
    """One warm host per engine build, started on first use and restarted after a death."""

    def __init__(self):
        self._hosts: dict[str, Host] = {}
        # build id -> its host's handshake, kept after the host stops (for run.json)
        self.handshakes: dict[str, Handshake] = {}

    def get(self, build: EngineBuild, environment: Environment) -> Host:
        host = self._hosts.get(build.id)
        if host is not None and host.alive:
            return host
        host = Host(build, environment)
        self._hosts[build.id] = host
        try:
            host.start()
        except BaseException:
            del self._hosts[build.id]
            raise
        self.handshakes.setdefault(build.id, host.handshake)
        return host

    def discard(self, build: EngineBuild) -> None:
        host = self._hosts.pop(build.id, None)
        if host is not None:
            host.kill()

    def close(self) -> None:
        # All asked first, then all waited for: a worker's 20-odd hosts end together.
        hosts = list(self._hosts.values())
        for host in hosts:
            host.ask_to_stop()
        deadline = time.monotonic() + STOP_TIMEOUT
        for host in hosts:
            host.finish_stop(deadline)
        self._hosts.clear()
