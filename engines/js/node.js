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

// Bun embeds JavaScriptCore, node V8: whose trap messages the core reads (traps.js).
const engine = typeof Bun !== "undefined" ? "jsc" : "v8";
// Each runtime's own node:wasi (wasi_node.js), loaded after stdout is moved aside.
const wasi = require(path.join(__dirname, "wasi_node.js")).provider();
const host = WasmMatrix.createHost(identity, process.argv.slice(2), engine, wasi);
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const { line: answer, stopped } = host.handle(line);
  if (stopped) {
    lines.close();
    send(answer + "\n", () => process.exit(0));
  } else {
    send(answer + "\n");
  }
});
lines.on("close", () => setTimeout(() => process.exit(0), 100));
