"""Host processes: start a host, talk to it, and notice when it dies or hangs.

A host answers one JSON line per request (engines/protocol.md). A reader thread moves its
stdout lines into a queue, so waiting for an answer can time out; another thread keeps the
last lines of its stderr, which become the message when the host dies.

Limits (docs/reliability.md): each host leads its own session, so killing it kills the
whole process group (a browser's children too); its memory is the resident memory of every
process in that session; it dies with the process that started it (PR_SET_PDEATHSIG), so a
runner killed with SIGKILL leaves no host spinning in an infinite loop; it writes no core
files.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import json
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from .engines import EngineBuild
from .provision import Environment, host_command, host_environment

START_TIMEOUT = 60.0  # seconds for a host to import its engine and answer `start`
MEMORY_POLL = 0.2  # seconds between looks at a busy host's memory
MEMORY_LIMIT = 4 * 2**30  # bytes of resident memory a host may use (WASM_MATRIX_HOST_MEMORY_MB)
STDERR_LINES = 40
STOP_TIMEOUT = 5.0  # seconds a host asked to stop has to end by itself


class HostDied(Exception):
    """The host's process ended (or closed its stdout) before answering."""


class HostTimedOut(Exception):
    """No answer within the time limit; the host has been killed."""


class HostOutOfMemory(HostDied):
    """The host used more memory than allowed and has been killed."""


class HostProtocolError(Exception):
    """The host answered something that is not a protocol message."""


@dataclass
class HostProcess:
    build: EngineBuild
    environment: Environment
    handshake: dict = field(default_factory=dict)
    _process: subprocess.Popen | None = None
    _answers: queue.Queue = field(default_factory=queue.Queue)
    _stderr: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=STDERR_LINES)
    )
    _seq: int = 0
    _pending: bool = False  # a request is out and unanswered (a Ctrl-C came mid-cell)
    memory_limit: int = field(default_factory=lambda: memory_limit())
    _stderr_reader: threading.Thread | None = None
    _stopping: bool = False  # `stop` was sent and the host's input closed

    def start(self, timeout: float = START_TIMEOUT) -> dict:
        self._process = subprocess.Popen(
            host_command(self.build, self.environment),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=host_environment(),
            cwd=self.environment.folder,
            # Its own session: a Ctrl-C at the terminal stops the run, which then stops the
            # host, rather than killing the host mid-cell and recording a false crash.
            start_new_session=True,
            preexec_fn=_limit_host(os.getpid()),
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        threading.Thread(target=self._read_answers, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()
        self.handshake = self.request({"cmd": "start"}, timeout)
        return self.handshake

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def request(self, message: dict, timeout: float) -> dict:
        if not self.alive:
            raise HostDied(self._death_note())
        self._seq += 1
        message = {**message, "seq": self._seq}
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
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
                self._process.stdin.write(json.dumps({"cmd": "stop", "seq": self._seq}) + "\n")
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
        elif _session_alive(self._process.pid):
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
        how = _describe_exit(code)
        stderr = "\n".join(self._stderr).strip()
        return f"{self.build.id} host {how}" + (f":\n{stderr}" if stderr else "")


def memory_limit() -> int:
    override = os.environ.get("WASM_MATRIX_HOST_MEMORY_MB")
    return int(override) * 2**20 if override else MEMORY_LIMIT


def _session_alive(session: int) -> bool:
    """Whether any process of the session still exists (a zombie does not count)."""
    return any(fields[0] not in (b"Z", b"X") for _, fields in _session_stats(session))


def _session_stats(session: int):
    """(pid, /proc stat fields after the command name) of every process in a session."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # Fields after the command name, which may hold spaces and parentheses.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        if int(fields[3]) == session:  # field 6 of stat: the session id
            yield int(entry), fields


def session_resident_bytes(session: int) -> int | None:
    """The resident memory of every process in a session (the host and what it started).

    None where there is no /proc, or when the session leader is gone.
    """
    if not os.path.isdir("/proc"):
        return resident_bytes(session)
    page = os.sysconf("SC_PAGE_SIZE")
    total, found_leader = 0, False
    for pid, fields in _session_stats(session):
        found_leader = found_leader or pid == session
        total += int(fields[21]) * page  # field 24 of stat: resident pages
    return total if found_leader else None


def resident_bytes(pid: int) -> int | None:
    """A process's resident set size, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


_PR_SET_PDEATHSIG = 1


def _limit_host(runner_pid: int):
    """What the child does between fork and exec: die with the runner, dump no core.

    Returns None where prctl does not exist (not Linux): hosts then exit on stdin EOF,
    which does not stop one spinning in an infinite loop.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def limit() -> None:
        # The kernel sends SIGKILL when the thread that started us ends (the runner dies).
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != runner_pid:  # the runner died before prctl took effect
            os._exit(1)
        # An aborting engine (wasmtime 49+ without reference-types) should not write a core
        # file for every cell.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return limit


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "closed its output"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


class HostPool:
    """One warm host per engine build, started on first use and restarted after a death."""

    def __init__(self):
        self._hosts: dict[str, HostProcess] = {}
        self.handshakes: dict[str, dict] = {}  # build id -> what its host answered to `start`

    def get(self, build: EngineBuild, environment: Environment) -> HostProcess:
        host = self._hosts.get(build.id)
        if host is not None and host.alive:
            return host
        host = HostProcess(build, environment)
        self._hosts[build.id] = host
        try:
            host.start()
        except BaseException:
            host.kill()
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
