"""The raw floor for wasmtime: the same modules compiled, instantiated and called straight
through wasmtime-py, no harness. Runs with the engine's own Python (its venv): stdin takes
{"rounds": n, "modules": [{"id", "module": base64, "calls": [...]}]}, stdout gives
{"times": {id: [seconds per round]}, "cpu_s": processor seconds of the timed rounds}."""

import base64
import contextlib
import json
import struct
import sys
import time

import wasmtime


def number(value: dict):
    kind, bits = value["type"], int(value["value"])
    if kind == "i32":
        return wasmtime.Val.i32(bits - (1 << 32) if bits >> 31 else bits)
    if kind == "i64":
        return wasmtime.Val.i64(bits - (1 << 64) if bits >> 63 else bits)
    if kind == "f32":
        return wasmtime.Val.f32(struct.unpack("<f", struct.pack("<I", bits))[0])
    return wasmtime.Val.f64(struct.unpack("<d", struct.pack("<Q", bits))[0])


def main() -> None:
    job = json.load(sys.stdin)
    config = wasmtime.Config()
    if hasattr(type(config), "shared_memory"):  # as the host has it (the threads probe)
        config.shared_memory = True
    # "epochs": the engine as the host configures it, with epoch interruption compiled in
    # (the checks wasm code makes so the host can stop it at the time limit).
    epochs = bool(job.get("epochs")) and hasattr(type(config), "epoch_interruption")
    if epochs:
        config.epoch_interruption = True
    engine = wasmtime.Engine(config)
    times = {}
    cpu = 0.0
    for item in job["modules"]:
        module = base64.b64decode(item["module"])
        calls = [(call["invoke"], [number(a) for a in call["args"]]) for call in item["calls"]]
        rounds = []
        for round_ in range(job["rounds"] + 1):  # the first round warms up
            started, processor = time.perf_counter(), time.process_time()
            store = wasmtime.Store(engine)
            if epochs:
                store.set_epoch_deadline(2**62)
            instance = wasmtime.Instance(store, wasmtime.Module(engine, bytearray(module)), [])
            exports = instance.exports(store)
            for name, args in calls:
                with contextlib.suppress(wasmtime.Trap):
                    exports[name](store, *args)
            rounds.append(time.perf_counter() - started)
            if round_:
                cpu += time.process_time() - processor
        times[item["id"]] = rounds[1:]
    json.dump({"times": times, "cpu_s": cpu}, sys.stdout)


if __name__ == "__main__":
    main()
