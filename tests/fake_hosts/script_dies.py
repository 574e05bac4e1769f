"""A fake host that runs scripts and dies at the directive invoking "die": each module is
accepted and each call returns i32 7 until then."""

import json
import os
import sys

for line in sys.stdin:
    request = json.loads(line)
    seq = request.get("seq")
    if request["cmd"] == "start":
        answer = {
            "engine": "fake",
            "version": "0",
            "language": "python",
            "language_version": "3",
            "features": {},
            "disabled": [],
            "script": True,
        }
    elif request["cmd"] == "script":
        answers = []
        for directive in request["directives"]:
            if directive.get("field") == "die":
                sys.stderr.write("fake engine: segmentation fault\n")
                sys.stderr.flush()
                os._exit(139)
            if directive["do"] == "invoke":
                answers.append({"status": "return", "values": [{"type": "i32", "value": "7"}]})
            else:
                answers.append({"status": "ok"})
        answer = {"status": "ran", "answers": answers}
    else:
        answer = {"status": "stopped"}
    print(json.dumps({**answer, "seq": seq}), flush=True)
    if request["cmd"] == "stop":
        break
