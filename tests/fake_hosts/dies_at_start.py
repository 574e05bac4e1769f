"""A fake host whose engine aborts while starting, like wasmtime 49+ with reference-types off."""

import sys

sys.stderr.write("panicked: the engine cannot be configured like this\n")
sys.exit(134)
