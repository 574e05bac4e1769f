"""tinyhash's nox sessions: the WebAssembly matrix, one session per engine build.

nox -s wasm_matrix                                     # every engine, one after another
nox -s "wasm_matrix(engine='node-22')"                 # one engine (a CI job each)
nox -t wasmtime                                        # one engine family
nox -s wasm_matrix -- -k hashes                        # pytest options after --
"""

import nox

from matrix.nox import add_matrix_session

nox.options.default_venv_backend = "venv"

# Engines and required engines come from [tool.wasm-matrix] in pyproject.toml.
add_matrix_session(cases=["wasm-cases"], build=[["make"]])
