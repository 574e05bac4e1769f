// Shim for Deno (V8): read request lines from stdin, answer on stdout; console output goes
// to stderr. Runs with no permissions but reading and writing its own scratch folder
// (ESM integration probes import a module from a file there).
// The host core: each file adds its part of globalThis.WasmMatrix, in this order.
import "../js/binary.js";
import "../js/traps.js";
import "../js/stubs.js";
import "../js/core.js";
// WASI programs: wasm-matrix's shim (its folders, then its calls), which needs no permission.
import "../js/wasi_tree.js";
import "../js/wasi_shim.js";

const encoder = new TextEncoder();
const send = (line) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
const toStderr = (...args) => console.error(...args);
console.log = console.info = console.debug = console.warn = toStderr;

const identity = () => ({
  engine: "deno",
  version: Deno.version.deno,
  language: "javascript",
  language_version: Deno.version.typescript ? `deno ${Deno.version.deno}` : Deno.version.deno,
  engine_version: Deno.version.v8,
});

let imported = 0;
function importModule(bytes) {
  const folder = Deno.makeTempDirSync({ prefix: "wasm-matrix-esm-" });
  const file = `${folder}/probe${imported++}.wasm`;
  Deno.writeFileSync(file, bytes);
  const done = () => Deno.removeSync(folder, { recursive: true });
  return import(`file://${file}`).then(
    (namespace) => (done(), namespace),
    (error) => {
      done();
      throw error;
    },
  );
}

const options = { engine: "v8", canAwait: true, importModule }; // V8's trap words (traps.js)
const host = globalThis.WasmMatrix.createHost(identity, Deno.args, globalThis.WasmMatrixWasiShim.provider(), options);
const decoder = new TextDecoder();
let pending = "";
let chain = Promise.resolve();
for await (const chunk of Deno.stdin.readable) {
  pending += decoder.decode(chunk, { stream: true });
  let end;
  while ((end = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    if (!line.trim()) continue;
    const { line: answer, stopped } = host.handle(line);
    chain = chain.then(() => Promise.resolve(answer)).then(send);
    if (stopped) {
      await chain;
      Deno.exit(0);
    }
  }
}
await chain;
