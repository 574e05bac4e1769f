// wasm-matrix's own WASI preview 1, for JavaScript engines that have none (jsc, gjs, the
// browsers). Everything a cell grants lives in memory: arguments, environment, stdin, and
// each preopened folder as a tree built from the files the runner sent inline; stdout,
// stderr and the folders go back in the answer. Every answer says `via: "shim"`, and
// every report marks such cells "WASI via wasm-matrix's shim": what runs here is our
// implementation of WASI, not the engine's.
//
// The folders are wasi_tree.js's: paths never leave a preopen, read-only preopens refuse
// every change, and symbolic links cannot be made. Plain script, loaded after core.js and
// wasi_tree.js; it leaves one global, WasmMatrixWasiShim.
"use strict";

(function (global) {
  const { E, FILETYPE, FD_APPEND, Refused, typeOf, writable, tree, listing, pathCalls } = global.WasmMatrixWasiTree;
  const ALL_RIGHTS = (1n << 29n) - 1n;

  class Exit extends Error {
    constructor(code) {
      super(`proc_exit(${code})`);
      this.code = code;
    }
  }
  function utf8Encode(text) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(text);
    const escaped = unescape(encodeURIComponent(text));
    return Uint8Array.from(escaped, (c) => c.charCodeAt(0));
  }
  function utf8Decode(bytes) {
    if (typeof TextDecoder !== "undefined") return new TextDecoder("utf-8").decode(bytes);
    return decodeURIComponent(Array.from(bytes, (b) => "%" + b.toString(16).padStart(2, "0")).join(""));
  }
  function concat(chunks) {
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  function create(request, module) {
    const { fromBase64, toBase64 } = global.WasmMatrix;
    const args = (request.args || []).map(utf8Encode);
    const env = (request.env || []).map(([name, value]) => utf8Encode(`${name}=${value}`));
    let stdin = fromBase64(request.stdin || "");
    const stdout = [];
    const stderr = [];
    const preopens = (request.preopens || []).map((p) => ({
      guest: utf8Encode(p.guest),
      root: tree(p.files, !p.writable, fromBase64),
    }));
    // fd -> {kind: "stdin" | "stdout" | "stderr" | "dir" | "file", node, root, position, append}
    const fds = new Map([[0, { kind: "stdin" }], [1, { kind: "stdout" }], [2, { kind: "stderr" }]]);
    preopens.forEach((p, i) => fds.set(3 + i, { kind: "dir", node: p.root, root: p.root, preopen: p }));
    let nextFd = 3 + preopens.length;
    let memory = null;
    const view = () => new DataView(memory.buffer);
    const bytes = () => new Uint8Array(memory.buffer);
    let lastMonotonic = 0n;

    const entry = (fd) => {
      const found = fds.get(fd);
      if (!found) throw new Refused(E.BADF);
      return found;
    };
    const readString = (ptr, len) => utf8Decode(bytes().slice(ptr, ptr + len));
    // `path` under the folder `fd` names, never above its preopen's root (wasi_tree.js).
    const resolve = (fd, path) => global.WasmMatrixWasiTree.resolve(entry(fd), path);

    // A new descriptor for an opened file or folder.
    const open = (opened) => {
      const fd = nextFd++;
      fds.set(fd, opened);
      return fd;
    };

    function filestat(ptr, node, filetype) {
      const v = view();
      for (let i = 0; i < 64; i += 8) v.setBigUint64(ptr + i, 0n, true);
      v.setBigUint64(ptr + 8, BigInt(node ? node.ino : 0), true);
      v.setUint8(ptr + 16, filetype);
      v.setBigUint64(ptr + 24, 1n, true);
      v.setBigUint64(ptr + 32, BigInt(node && node.kind === "file" ? node.data.length : 0), true);
    }

    function iovecs(ptr, count) {
      const v = view();
      const list = [];
      for (let i = 0; i < count; i++) list.push([v.getUint32(ptr + 8 * i, true), v.getUint32(ptr + 8 * i + 4, true)]);
      return list;
    }

    function writeTo(target, data) {
      if (target.kind === "stdout") stdout.push(data);
      else if (target.kind === "stderr") stderr.push(data);
      else if (target.kind === "file") {
        const node = target.node;
        writable(node);
        if (!target.write) throw new Refused(E.BADF);
        const at = target.append ? node.data.length : target.position;
        const end = at + data.length;
        if (end > node.data.length) {
          const grown = new Uint8Array(end);
          grown.set(node.data);
          node.data = grown;
        }
        node.data.set(data, at);
        target.position = end;
      } else throw new Refused(E.BADF);
      return data.length;
    }

    function readFrom(target, length) {
      if (target.kind === "stdin") {
        const out = stdin.slice(0, length);
        stdin = stdin.slice(out.length);
        return out;
      }
      if (target.kind !== "file") throw new Refused(target.kind === "dir" ? E.ISDIR : E.BADF);
      const out = target.node.data.slice(target.position, target.position + length);
      target.position += out.length;
      return out;
    }

    const calls = {
      ...pathCalls({ resolve, readString, view, filestat, open }),
      args_sizes_get(countPtr, sizePtr) {
        view().setUint32(countPtr, args.length, true);
        view().setUint32(sizePtr, args.reduce((n, a) => n + a.length + 1, 0), true);
      },
      args_get(argvPtr, bufPtr) {
        for (const arg of args) {
          view().setUint32(argvPtr, bufPtr, true);
          bytes().set(arg, bufPtr);
          bytes()[bufPtr + arg.length] = 0;
          argvPtr += 4;
          bufPtr += arg.length + 1;
        }
      },
      environ_sizes_get(countPtr, sizePtr) {
        view().setUint32(countPtr, env.length, true);
        view().setUint32(sizePtr, env.reduce((n, e) => n + e.length + 1, 0), true);
      },
      environ_get(environPtr, bufPtr) {
        for (const pair of env) {
          view().setUint32(environPtr, bufPtr, true);
          bytes().set(pair, bufPtr);
          bytes()[bufPtr + pair.length] = 0;
          environPtr += 4;
          bufPtr += pair.length + 1;
        }
      },
      clock_res_get(id, ptr) {
        if (id > 3) throw new Refused(E.INVAL);
        view().setBigUint64(ptr, 1000n, true);
      },
      clock_time_get(id, precision, ptr) {
        let now;
        if (id === 0) now = BigInt(Date.now()) * 1000000n;
        else if (id <= 3) {
          const ms = typeof performance !== "undefined" && performance.now ? performance.now() : Date.now();
          now = BigInt(Math.floor(ms * 1e6));
          if (now < lastMonotonic) now = lastMonotonic;
          lastMonotonic = now;
        } else throw new Refused(E.INVAL);
        view().setBigUint64(ptr, now, true);
      },
      fd_advise: (fd) => void entry(fd),
      fd_allocate: (fd) => void entry(fd),
      fd_close(fd) {
        entry(fd);
        if (fd < 3) return;
        fds.delete(fd);
      },
      fd_datasync: (fd) => void entry(fd),
      fd_sync: (fd) => void entry(fd),
      fd_fdstat_get(fd, ptr) {
        const target = entry(fd);
        const v = view();
        const type = target.node ? typeOf(target.node) : FILETYPE.CHARACTER_DEVICE;
        v.setUint8(ptr, type);
        v.setUint16(ptr + 2, target.append ? FD_APPEND : 0, true);
        v.setBigUint64(ptr + 8, ALL_RIGHTS, true);
        v.setBigUint64(ptr + 16, ALL_RIGHTS, true);
      },
      fd_fdstat_set_flags: (fd) => void entry(fd),
      fd_fdstat_set_rights: (fd) => void entry(fd),
      fd_filestat_get(fd, ptr) {
        const target = entry(fd);
        filestat(ptr, target.node, target.node ? typeOf(target.node) : FILETYPE.CHARACTER_DEVICE);
      },
      fd_filestat_set_size(fd, size) {
        const target = entry(fd);
        if (target.kind !== "file") throw new Refused(E.BADF);
        writable(target.node);
        const resized = new Uint8Array(Number(size));
        resized.set(target.node.data.subarray(0, resized.length));
        target.node.data = resized;
      },
      fd_filestat_set_times: (fd) => void entry(fd),
      fd_pread(fd, iovs, count, offset, nreadPtr) {
        const target = entry(fd);
        if (target.kind !== "file") throw new Refused(E.SPIPE);
        let at = Number(offset);
        let total = 0;
        for (const [ptr, len] of iovecs(iovs, count)) {
          const chunk = target.node.data.slice(at, at + len);
          bytes().set(chunk, ptr);
          at += chunk.length;
          total += chunk.length;
          if (chunk.length < len) break;
        }
        view().setUint32(nreadPtr, total, true);
      },
      fd_pwrite(fd, iovs, count, offset, nwrittenPtr) {
        const target = entry(fd);
        if (target.kind !== "file") throw new Refused(E.SPIPE);
        const saved = target.position;
        const savedAppend = target.append;
        target.position = Number(offset);
        target.append = false;
        let total = 0;
        for (const [ptr, len] of iovecs(iovs, count)) total += writeTo(target, bytes().slice(ptr, ptr + len));
        target.position = saved;
        target.append = savedAppend;
        view().setUint32(nwrittenPtr, total, true);
      },
      fd_prestat_get(fd, ptr) {
        const target = fds.get(fd);
        if (!target || !target.preopen || fd >= 3 + preopens.length) throw new Refused(E.BADF);
        view().setUint8(ptr, 0);
        view().setUint32(ptr + 4, target.preopen.guest.length, true);
      },
      fd_prestat_dir_name(fd, ptr, len) {
        const target = fds.get(fd);
        if (!target || !target.preopen) throw new Refused(E.BADF);
        bytes().set(target.preopen.guest.subarray(0, len), ptr);
      },
      fd_read(fd, iovs, count, nreadPtr) {
        const target = entry(fd);
        let total = 0;
        for (const [ptr, len] of iovecs(iovs, count)) {
          const chunk = readFrom(target, len);
          bytes().set(chunk, ptr);
          total += chunk.length;
          if (chunk.length < len) break;
        }
        view().setUint32(nreadPtr, total, true);
      },
      fd_write(fd, iovs, count, nwrittenPtr) {
        const target = entry(fd);
        let total = 0;
        for (const [ptr, len] of iovecs(iovs, count)) total += writeTo(target, bytes().slice(ptr, ptr + len));
        view().setUint32(nwrittenPtr, total, true);
      },
      fd_readdir(fd, buf, bufLen, cookie, usedPtr) {
        const target = entry(fd);
        if (target.kind !== "dir") throw new Refused(E.NOTDIR);
        const names = [[".", target.node], ["..", target.node], ...target.node.entries];
        let used = 0;
        for (let i = Number(cookie); i < names.length && used < bufLen; i++) {
          const [name, node] = names[i];
          const encoded = utf8Encode(name);
          const record = new Uint8Array(24 + encoded.length);
          const v = new DataView(record.buffer);
          v.setBigUint64(0, BigInt(i + 1), true);
          v.setBigUint64(8, BigInt(node.ino), true);
          v.setUint32(16, encoded.length, true);
          v.setUint8(20, typeOf(node));
          record.set(encoded, 24);
          const fits = Math.min(record.length, bufLen - used);
          bytes().set(record.subarray(0, fits), buf + used);
          used += fits;
        }
        view().setUint32(usedPtr, used, true);
      },
      fd_renumber(from, to) {
        const target = entry(from);
        entry(to);
        fds.set(to, target);
        fds.delete(from);
      },
      fd_seek(fd, offset, whence, newPtr) {
        const target = entry(fd);
        if (target.kind !== "file") throw new Refused(E.SPIPE);
        const base = whence === 0 ? 0 : whence === 1 ? target.position : target.node.data.length;
        const position = base + Number(offset);
        if (position < 0 || whence > 2) throw new Refused(E.INVAL);
        target.position = position;
        view().setBigUint64(newPtr, BigInt(position), true);
      },
      fd_tell(fd, ptr) {
        const target = entry(fd);
        if (target.kind !== "file") throw new Refused(E.SPIPE);
        view().setBigUint64(ptr, BigInt(target.position), true);
      },
      poll_oneoff(inPtr, outPtr, count, neventsPtr) {
        const v = view();
        for (let i = 0; i < count; i++) {
          const sub = inPtr + 48 * i;
          const event = outPtr + 32 * i;
          for (let b = 0; b < 32; b += 8) v.setBigUint64(event + b, 0n, true);
          v.setBigUint64(event, v.getBigUint64(sub, true), true);
          v.setUint8(event + 10, v.getUint8(sub + 8));
        }
        v.setUint32(neventsPtr, count, true);
      },
      proc_exit(code) {
        throw new Exit(code);
      },
      proc_raise() {
        throw new Refused(E.NOSYS);
      },
      random_get(ptr, len) {
        const target = bytes().subarray(ptr, ptr + len);
        if (typeof crypto !== "undefined" && crypto.getRandomValues) {
          for (let at = 0; at < len; at += 65536) crypto.getRandomValues(target.subarray(at, Math.min(len, at + 65536)));
        } else {
          for (let i = 0; i < len; i++) target[i] = Math.floor(Math.random() * 256);
        }
      },
      sched_yield() {},
      sock_accept: () => { throw new Refused(E.NOSYS); },
      sock_recv: () => { throw new Refused(E.NOSYS); },
      sock_send: () => { throw new Refused(E.NOSYS); },
      sock_shutdown: () => { throw new Refused(E.NOSYS); },
    };

    // Each call returns an errno; proc_exit throws Exit, which ends the program.
    const imports = {};
    for (const name of Object.keys(calls)) {
      imports[name] = (...params) => {
        try {
          calls[name](...params);
          return E.SUCCESS;
        } catch (error) {
          if (error instanceof Refused) return error.errno;
          throw error;
        }
      };
    }

    return {
      imports: { wasi_snapshot_preview1: imports },
      start(instance) {
        memory = instance.exports.memory;
        const name = request.start === "reactor" ? "_initialize" : "_start";
        const fn = instance.exports[name];
        if (typeof fn !== "function") {
          return request.start === "reactor" ? { exit_code: 0 } : { exit_code: null, trap: "the module exports no _start function" };
        }
        try {
          fn();
          return { exit_code: 0 };
        } catch (error) {
          if (error instanceof Exit) {
            if (request.start === "reactor") return { exit_code: error.code, trap: `_initialize called proc_exit(${error.code})` };
            return { exit_code: error.code };
          }
          return { exit_code: null, trap: `${name}: ${global.WasmMatrix.firstLine(error)}` };
        }
      },
      finish(ending) {
        return {
          exit_code: ending.exit_code,
          trap: ending.trap || null,
          stdout: toBase64(concat(stdout)),
          stderr: toBase64(concat(stderr)),
          read_only: (request.preopens || []).map((p) => !p.writable),
          files: preopens.map((p) => listing(p.root, toBase64)),
          via: "shim",
        };
      },
    };
  }

  global.WasmMatrixWasiShim = { provider: () => ({ via: "shim", create }) };
})(typeof globalThis !== "undefined" ? globalThis : this);
