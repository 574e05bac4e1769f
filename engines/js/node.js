// Shim for node (V8) and bun (JavaScriptCore, which runs node's APIs): read request lines
// from stdin, answer on the real stdout; everything else that prints goes to stderr.
"use strict";

const path = require("path");
const readline = require("readline");
const util = require("util");

for (const file of ["binary.js", "traps.js", "stubs.js", "core.js"]) require(path.join(__dirname, file));

// Keep the real stdout writer for the protocol, then point every printer at stderr.
const stdout = process.stdout;
const send = stdout.write.bind(stdout);
const toStderr = (...args) => process.stderr.write(util.format(...args) + "\n");
stdout.write = (...args) => process.stderr.write(...args);
console.log = console.info = console.debug = console.warn = toStderr;

function identity() {
  if (typeof Bun !== "undefined") {
    return {
      engine: "bun",
      version: Bun.version,
      language: "javascript",
      language_version: Bun.version,
      // Bun embeds its own WebKit fork; this is that fork's revision.
      engine_version: `JavaScriptCore (WebKit ${process.versions.webkit})`,
    };
  }
  return {
    engine: "node",
    version: process.versions.node,
    language: "javascript",
    language_version: process.versions.node,
    engine_version: process.versions.v8,
  };
}

// ESM integration probes: the module goes to a file of its own and is imported from there.
let imported = 0;
function importModule(bytes) {
  const fs = require("fs");
  const os = require("os");
  const url = require("url");
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-matrix-esm-"));
  const file = path.join(folder, `probe${imported++}.wasm`);
  fs.writeFileSync(file, bytes);
  const done = () => {
    fs.unlinkSync(file);
    fs.rmdirSync(folder);
  };
  // Made at call time: node before 10 cannot even parse an import() expression.
  const load = new Function("specifier", "return import(specifier)");
  return load(url.pathToFileURL ? url.pathToFileURL(file).href : `file://${file}`).then(
    (namespace) => (done(), namespace),
    (error) => {
      done();
      throw error;
    },
  );
}

// Bun embeds JavaScriptCore, node V8: whose trap messages the core reads (traps.js).
const engine = typeof Bun !== "undefined" ? "jsc" : "v8";
// Each runtime's own node:wasi (wasi_node.js), loaded after stdout is moved aside.
const wasi = require(path.join(__dirname, "wasi_node.js")).provider();
const host = WasmMatrix.createHost(identity, process.argv.slice(2), wasi, { engine, canAwait: true, importModule });
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const { line: answer, stopped } = host.handle(line);
  if (stopped) {
    lines.close();
    send(answer + "\n", () => process.exit(0));
  } else if (typeof answer === "string") {
    send(answer + "\n");
  } else {
    answer.then((text) => send(text + "\n")); // a JS-API probe that waited for a promise
  }
});
lines.on("close", () => setTimeout(() => process.exit(0), 100));
