"""wasm-matrix: a cross-engine WebAssembly compatibility test matrix."""

__version__ = "0.1.0"
