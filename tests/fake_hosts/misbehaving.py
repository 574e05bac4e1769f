"""A fake host that speaks the protocol but misbehaves on request, to test the runner.

`run` answers depend on the first call's export name: `crash` aborts the process,
`hang` sleeps forever, `garbage` writes a line that is not JSON, `bloat` takes 400 MiB
of memory and sits on it, `bloat-child` starts a child process that does (as a browser's
renderer would), `segv` dies by SIGSEGV, `slow` answers after a second; anything else
returns i32 7.
"""

import json
import os
import signal
import subprocess
import sys
import time

BLOAT = """
import time
hoard = bytearray(400 * 2**20)
for page in range(0, len(hoard), 4096):
    hoard[page] = 1
time.sleep(60)
"""

for line in sys.stdin:
    request = json.loads(line)
    seq = request["seq"]
    if request["cmd"] == "start":
        answer = {
            "engine": "fake",
            "version": "0",
            "language": "python",
            "language_version": "3",
            "features": {},
            "disabled": [],
        }
    elif request["cmd"] == "stop":
        print(json.dumps({"seq": seq, "status": "stopped"}), flush=True)
        break
    else:
        name = request["calls"][0]["invoke"] if request["calls"] else ""
        if name == "crash":
            sys.stderr.write("fake engine: fatal error, aborting\n")
            sys.stderr.flush()
            os.abort()
        if name == "hang":
            time.sleep(3600)
        if name == "bloat":  # touch 400 MiB, then take a while to answer
            hoard = bytearray(400 * 2**20)
            for page in range(0, len(hoard), 4096):
                hoard[page] = 1
            time.sleep(30)
        if name == "bloat-child":
            child = subprocess.Popen([sys.executable, "-c", BLOAT])
            sys.stderr.write(f"child {child.pid}\n")
            sys.stderr.flush()
            time.sleep(60)
        if name == "slow":
            time.sleep(1.0)
        if name == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if name == "garbage":
            print("this is not json", flush=True)
            continue
        answer = {
            "status": "ran",
            "calls": [{"status": "return", "values": [{"type": "i32", "value": "7"}]}],
        }
    answer["seq"] = seq
    print(json.dumps(answer), flush=True)
