"""WASI (preview 1) programs: the case section, the folders a cell grants, the verdict."""
