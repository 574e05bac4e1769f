"""A fake engine that chatters on stdout while it runs a module, as some engines do.

Built on the real hosts' protocol loop (engines/pyhost.py), which must keep the protocol
channel clean: whatever the engine prints, from Python or below it, goes to stderr.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "engines"))

from pyhost import Host, serve


class NoisyHost(Host):
    engine = "noisy"

    def version(self) -> str:
        return "0"

    def run(self, module: bytes, calls: list[dict]) -> list[dict]:
        print("noisy engine: print() to stdout")
        sys.stdout.flush()
        os.write(1, b"noisy engine: a C library writing to fd 1\n{not json\n")
        return self.call_each(calls, lambda name, args: [{"type": "i32", "value": "7"}])


if __name__ == "__main__":
    serve(NoisyHost)
