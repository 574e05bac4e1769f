// Shim for the JavaScriptCore shell (jsc): readline() reads stdin, print() writes stdout,
// which only this shim uses; console.log and friends go to stderr.
"use strict";

// jsc's load() resolves against the working directory: find core.js beside this file.
const here = /@(\/[^:]*):\d+:\d+/.exec(new Error().stack)[1].replace(/[^/]*$/, "");
for (const file of ["binary.js", "traps.js", "stubs.js", "core.js"]) load(here + file);
load(here + "wasi_tree.js"); // jsc has no WASI: wasm-matrix's shim, marked as such
load(here + "wasi_shim.js");

const send = print;
const toStderr = (...args) => printErr(args.map(String).join(" "));
globalThis.console = { log: toStderr, info: toStderr, debug: toStderr, warn: toStderr, error: toStderr };
globalThis.print = toStderr;

// The shell has no version call: the Debian package that ships the library says it.
function webkitVersion() {
  try {
    const status = readFile("/var/lib/dpkg/status");
    const match = /Package: libjavascriptcoregtk-4\.[01]-\d+\n(?:[^\n]+\n)*?Version: ([^\n]+)/.exec(status);
    if (match) return match[1];
  } catch (error) {
    // not a Debian system
  }
  return "unknown";
}

const version = webkitVersion();
const identity = () => ({
  engine: "jsc",
  version: version.replace(/-[^-]*$/, ""), // upstream WebKitGTK version, without Debian's revision
  language: "javascript",
  language_version: version,
  engine_version: `JavaScriptCore (WebKitGTK ${version})`,
});

// `arguments` (what follows `--`) is not defined at all when nothing follows it.
const host = WasmMatrix.createHost(
  identity,
  typeof arguments === "undefined" ? [] : Array.from(arguments),
  WasmMatrixWasiShim.provider(),
  { engine: "jsc" },
);
for (;;) {
  const line = readline();
  if (line === null || line === undefined) break; // end of input
  if (!line.trim()) continue;
  const { line: answer, stopped } = host.handle(line);
  send(answer);
  if (stopped) break;
}
