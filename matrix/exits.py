"""The exit codes of `wasm-matrix`'s commands."""

EXIT_OK, EXIT_GATED, EXIT_USAGE, EXIT_BROKEN = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # as a shell reports a Ctrl-C
