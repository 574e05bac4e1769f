"""Reporters: each reads a run folder (results.jsonl, run.json) and writes one format."""
