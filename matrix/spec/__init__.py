"""The WebAssembly spec test suite as matrix cells: reader, assembler cache, judge, runner."""
