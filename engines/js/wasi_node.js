// WASI preview 1 for node and bun: each runtime's own `node:wasi`, given the case's
// arguments, environment, stdin and preopens, and nothing of the host's.
//
// * node: stdin, stdout and stderr are files in a temporary folder, handed over as file
//   descriptors; `returnOnExit` turns proc_exit into start()'s return value.
// * bun: its node:wasi (a JavaScript implementation) reads stdin through `getStdin` and
//   writes stdout and stderr through `sendStdout`/`sendStderr`; it has no returnOnExit, so
//   its `exit` binding throws instead of ending the whole process (the other bindings are
//   bun's own fs, path, clock and random). Without these, bun would read the protocol's
//   stdin and write into the protocol's stdout.
// Neither can preopen a folder read-only.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

function load() {
  try {
    return require("wasi").WASI;
  } catch (error) {
    return { missing: `node:wasi cannot be loaded: ${WasmMatrix.firstLine(error)}` };
  }
}

// The host's working folder while a program runs: empty, so a WASI that resolves paths
// against it instead of the preopen (bun 1.1 and 1.2 do) reaches nothing of the host's,
// and what the program leaves there is evidence that it got out.
function workingFolder() {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-matrix-cwd-"));
  const previous = process.cwd();
  process.chdir(folder);
  return {
    left: () => fs.readdirSync(folder).sort(),
    restore() {
      process.chdir(previous);
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

// The host's own stdio (fd 0 carries the protocol's requests, fd 1 its answers), as
// device:inode. A WASI that hands the program a real descriptor by mistake lets it close or
// replace these (bun 1.1's path_open returns fd 0 when its own open fails, and the
// program's close then closes the host's stdin): compared after the run, so that the cell
// where it happened says so, and the runner replaces the host.
const STDIO = ["stdin", "stdout", "stderr"];
function stdioIdentity() {
  return STDIO.map((_, fd) => {
    try {
      const stat = fs.fstatSync(fd);
      return `${stat.dev}:${stat.ino}`;
    } catch (error) {
      return null;
    }
  });
}
function stdioChanged(before) {
  const after = stdioIdentity();
  return STDIO.map((name, fd) => (after[fd] === before[fd] ? null : `fd ${fd} (${name}) ${after[fd] === null ? "closed" : "replaced"}`)).filter(Boolean);
}

class Exit extends Error {
  constructor(code) {
    super(`proc_exit(${code})`);
    this.code = code;
  }
}

function nodeProvider(WASI) {
  const major = Number(process.versions.node.split(".")[0]);
  return {
    via: "native",
    create(request, module) {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-matrix-stdio-"));
      const file = (name) => path.join(folder, name);
      fs.writeFileSync(file("stdin"), WasmMatrix.fromBase64(request.stdin || ""));
      fs.writeFileSync(file("stdout"), "");
      fs.writeFileSync(file("stderr"), "");
      const fds = {
        stdin: fs.openSync(file("stdin"), "r"),
        stdout: fs.openSync(file("stdout"), "w"),
        stderr: fs.openSync(file("stderr"), "w"),
      };
      const preopens = {};
      for (const preopen of request.preopens || []) preopens[preopen.guest] = preopen.host;
      // Object.assign, not spread: node 8.0-8.2 (a `since` series) cannot parse this file otherwise.
      const options = Object.assign(
        { args: request.args || [], env: Object.fromEntries(request.env || []), preopens, returnOnExit: true },
        fds,
      );
      if (major >= 20) options.version = "preview1"; // required from node 20 on
      const wasi = new WASI(options);
      const stdio = stdioIdentity();
      const cwd = workingFolder();
      const imports = wasi.getImportObject
        ? wasi.getImportObject()
        : { wasi_snapshot_preview1: wasi.wasiImport };
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        for (const fd of Object.values(fds)) fs.closeSync(fd);
      };
      return {
        imports,
        start(instance) {
          const name = request.start === "reactor" ? "_initialize" : "_start";
          try {
            if (request.start === "reactor") {
              wasi.initialize(instance);
              return { exit_code: 0 };
            }
            const code = wasi.start(instance);
            return { exit_code: code === undefined ? 0 : code };
          } catch (error) {
            return { exit_code: null, trap: `${name}: ${WasmMatrix.firstLine(error)}` };
          }
        },
        finish(ending) {
          close();
          return {
            exit_code: ending.exit_code,
            trap: ending.trap || null,
            stdout: WasmMatrix.toBase64(fs.readFileSync(file("stdout"))),
            stderr: WasmMatrix.toBase64(fs.readFileSync(file("stderr"))),
            read_only: (request.preopens || []).map(() => false),
            escaped: cwd.left(),
            host_fds: stdioChanged(stdio),
            via: "native",
          };
        },
        close() {
          close();
          cwd.restore();
          fs.rmSync(folder, { recursive: true, force: true });
        },
      };
    },
  };
}

function bunProvider(WASI) {
  return {
    via: "native",
    create(request, module) {
      let stdin = Buffer.from(WasmMatrix.fromBase64(request.stdin || ""));
      const stdout = [];
      const stderr = [];
      const bindings = {
        hrtime: () => process.hrtime.bigint(),
        exit: (code) => {
          throw new Exit(code);
        },
        kill: (signal) => {
          throw new Error(`proc_raise(${signal})`);
        },
        randomFillSync: (array) => crypto.getRandomValues(array),
        isTTY: () => false,
        fs,
        path,
      };
      const preopens = {};
      for (const preopen of request.preopens || []) preopens[preopen.guest] = preopen.host;
      const wasi = new WASI({
        args: request.args || [],
        env: Object.fromEntries(request.env || []),
        preopens,
        bindings,
        getStdin: () => {
          const rest = stdin;
          stdin = null;
          return rest && rest.length ? rest : null;
        },
        sendStdout: (bytes) => stdout.push(Buffer.from(bytes)),
        sendStderr: (bytes) => stderr.push(Buffer.from(bytes)),
      });
      const imports = { wasi_snapshot_preview1: wasi.wasiImport };
      const stdio = stdioIdentity();
      const cwd = workingFolder();
      return {
        imports,
        start(instance) {
          const name = request.start === "reactor" ? "_initialize" : "_start";
          try {
            if (request.start === "reactor") {
              if (wasi.setMemory) wasi.setMemory(instance.exports.memory);
              if (typeof instance.exports._initialize === "function") instance.exports._initialize();
              return { exit_code: 0 };
            }
            wasi.start(instance);
            return { exit_code: 0 };
          } catch (error) {
            if (error instanceof Exit) {
              if (request.start === "reactor") return { exit_code: error.code, trap: `_initialize called proc_exit(${error.code})` };
              return { exit_code: error.code };
            }
            return { exit_code: null, trap: `${name}: ${WasmMatrix.firstLine(error)}` };
          }
        },
        finish(ending) {
          return {
            exit_code: ending.exit_code,
            trap: ending.trap || null,
            stdout: WasmMatrix.toBase64(Buffer.concat(stdout)),
            stderr: WasmMatrix.toBase64(Buffer.concat(stderr)),
            read_only: (request.preopens || []).map(() => false),
            escaped: cwd.left(),
            host_fds: stdioChanged(stdio),
            via: "native",
          };
        },
        close: () => cwd.restore(),
      };
    },
  };
}

function provider() {
  const WASI = load();
  if (typeof WASI !== "function") return WASI;
  return typeof Bun !== "undefined" ? bunProvider(WASI) : nodeProvider(WASI);
}

module.exports = { provider };
