// The raw floor for node: the same modules compiled, instantiated and called straight through
// the WebAssembly JS API, no harness. stdin: {"rounds", "modules": [{"id", "module", "calls"}]};
// stdout: {"times": {id: [seconds per round]}, "cpu_s": processor seconds of the timed rounds}.
import { readFileSync } from "node:fs";

const job = JSON.parse(readFileSync(0, "utf8"));
const view = new DataView(new ArrayBuffer(8));

function number({ type, value }) {
  const bits = BigInt(value);
  if (type === "i32") return Number(BigInt.asIntN(32, bits));
  if (type === "i64") return BigInt.asIntN(64, bits);
  if (type === "f32") { view.setUint32(0, Number(bits), true); return view.getFloat32(0, true); }
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true);
}

const times = {};
let cpu = 0;
for (const item of job.modules) {
  const bytes = Buffer.from(item.module, "base64");
  const calls = item.calls.map((call) => [call.invoke, call.args.map(number)]);
  const rounds = [];
  for (let round = 0; round <= job.rounds; round++) { // the first round warms up
    const started = process.hrtime.bigint();
    const processor = process.cpuUsage();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    for (const [name, args] of calls) {
      try { instance.exports[name](...args); } catch { /* a trap: as the harness sees it */ }
    }
    rounds.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (round > 0) {
      const used = process.cpuUsage(processor);
      cpu += (used.user + used.system) / 1e6;
    }
  }
  times[item.id] = rounds.slice(1);
}
process.stdout.write(JSON.stringify({ times, cpu_s: cpu }));
