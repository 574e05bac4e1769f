// Shim for GJS (SpiderMonkey): stdin lines through Gio, answers on fd 1 through a stream
// only this shim holds; print() goes to stderr.
"use strict";

const { Gio, GLib } = imports.gi;
const System = imports.system;

// Load core.js from beside this file, whatever the working directory.
const here = /@(\/[^:]*):\d+:\d+/.exec(new Error().stack)[1].replace(/\/[^/]*$/, "");
imports.searchPath.unshift(here);
imports.binary; // each defines part of globalThis.WasmMatrix
imports.traps;
imports.stubs;
imports.core;
imports.wasi_tree; // gjs has no WASI: wasm-matrix's shim (its folders, then its calls),
imports.wasi_shim; // which leaves globalThis.WasmMatrixWasiShim

const answers = new Gio.UnixOutputStream({ fd: 1, close_fd: false });
const input = new Gio.DataInputStream({
  base_stream: new Gio.UnixInputStream({ fd: 0, close_fd: false }),
});
const encoder = new TextEncoder();
globalThis.print = printerr;
// GJS's console already logs through GLib, to stderr.

// GJS says its own version; SpiderMonkey's is in the name of the libmozjs it loaded.
function mozjsVersion() {
  try {
    const [, maps] = GLib.file_get_contents("/proc/self/maps");
    const match = /libmozjs-[\d.]+\.so\.([\d.]+)/.exec(new TextDecoder().decode(maps));
    if (match) return match[1];
  } catch (error) {
    // no /proc
  }
  return "unknown";
}

const gjsVersion = [100 * 100, 100, 1].map((unit) => Math.floor(System.version / unit) % 100).join(".");
const identity = () => ({
  engine: "gjs",
  version: gjsVersion,
  language: "javascript",
  language_version: gjsVersion,
  engine_version: `SpiderMonkey ${mozjsVersion()}`,
});

const host = WasmMatrix.createHost(identity, ARGV, globalThis.WasmMatrixWasiShim.provider(), { engine: "spidermonkey" });
for (;;) {
  const [line] = input.read_line_utf8(null);
  if (line === null) break; // end of input
  if (!line.trim()) continue;
  const { line: answer, stopped } = host.handle(line);
  answers.write_all(encoder.encode(answer + "\n"), null);
  answers.flush(null);
  if (stopped) break;
}
