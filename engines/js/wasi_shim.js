// wasm-matrix's own WASI preview 1, for JavaScript engines that have none (jsc, gjs, the
// browsers). Everything a cell grants lives in memory: arguments, environment, stdin, and
// each preopened folder as a tree built from the files the runner sent inline; stdout,
// stderr and the folders go back in the answer. Every answer says `via: "shim"`, and
// every report marks such cells "WASI via wasm-matrix's shim": what runs here is our
// implementation of WASI, not the engine's.
//
// Paths never leave a preopen (`..` past its root and absolute paths are ENOTCAPABLE),
// read-only preopens refuse every change, and symbolic links cannot be made. Plain script,
// loaded after core.js; it leaves one global, WasmMatrixWasiShim.
"use strict";

(function (global) {
  const E = {
    SUCCESS: 0, ACCES: 2, BADF: 8, EXIST: 20, INVAL: 28, ISDIR: 31, NOENT: 44, NOSYS: 52,
    NOTDIR: 54, NOTEMPTY: 55, NOTSUP: 58, SPIPE: 70, NOTCAPABLE: 76,
  };
  const FILETYPE = { CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4 };
  const O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;
  const FD_APPEND = 1;
  const RIGHT_FD_WRITE = 64n, RIGHT_FD_ALLOCATE = 256n, RIGHT_FILESTAT_SET_SIZE = 4194304n;
  const WRITE_RIGHTS = RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FILESTAT_SET_SIZE;
  const ALL_RIGHTS = (1n << 29n) - 1n;

  class Exit extends Error {
    constructor(code) {
      super(`proc_exit(${code})`);
      this.code = code;
    }
  }
  class Refused extends Error {
    constructor(errno) {
      super(`errno ${errno}`);
      this.errno = errno;
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

  let inodes = 1;
  const newDir = (readOnly) => ({ kind: "dir", entries: new Map(), readOnly, ino: inodes++ });
  const newFile = (data, readOnly) => ({ kind: "file", data, readOnly, ino: inodes++ });

  // A preopen's tree from {relative/path: base64 | null (a folder)}.
  function tree(files, readOnly, fromBase64) {
    const root = newDir(readOnly);
    for (const name of Object.keys(files || {}).sort()) {
      const parts = name.split("/");
      let dir = root;
      for (const part of parts.slice(0, -1)) {
        if (!dir.entries.has(part)) dir.entries.set(part, newDir(readOnly));
        dir = dir.entries.get(part);
      }
      const last = parts[parts.length - 1];
      if (files[name] === null) {
        if (!dir.entries.has(last)) dir.entries.set(last, newDir(readOnly));
      } else {
        dir.entries.set(last, newFile(fromBase64(files[name]), readOnly));
      }
    }
    return root;
  }

  function listing(root, toBase64) {
    const out = {};
    const walk = (dir, prefix) => {
      for (const [name, node] of dir.entries) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (node.kind === "dir") {
          out[path] = null;
          walk(node, path);
        } else {
          out[path] = toBase64(node.data);
        }
      }
    };
    walk(root, "");
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

    // Resolve `path` under the folder `fd` names: [parent folder, last name], never above
    // the preopen's root.
    function resolve(fd, path) {
      const start = entry(fd);
      if (start.kind !== "dir") throw new Refused(E.NOTDIR);
      if (path.startsWith("/")) throw new Refused(E.NOTCAPABLE);
      const stack = [];
      let dir = start.node;
      // Re-walk from the root to know where `start` sits (it is always a folder we made).
      const trail = (function find(node, want, path) {
        if (node === want) return path;
        for (const child of node.entries.values()) {
          if (child.kind !== "dir") continue;
          const found = find(child, want, [...path, child]);
          if (found) return found;
        }
        return null;
      })(start.root, start.node, []);
      stack.push(start.root, ...(trail || []));
      const parts = path.split("/").filter((part) => part !== "" && part !== ".");
      if (parts.length === 0) return { parent: null, name: ".", node: stack[stack.length - 1], root: start.root };
      for (const part of parts.slice(0, -1)) {
        if (part === "..") {
          if (stack.length === 1) throw new Refused(E.NOTCAPABLE);
          stack.pop();
          continue;
        }
        dir = stack[stack.length - 1].entries.get(part);
        if (!dir) throw new Refused(E.NOENT);
        if (dir.kind !== "dir") throw new Refused(E.NOTDIR);
        stack.push(dir);
      }
      const name = parts[parts.length - 1];
      if (name === "..") {
        if (stack.length === 1) throw new Refused(E.NOTCAPABLE);
        stack.pop();
        const node = stack[stack.length - 1];
        return { parent: stack.length > 1 ? stack[stack.length - 2] : null, name: ".", node, root: start.root };
      }
      const parent = stack[stack.length - 1];
      return { parent, name, node: parent.entries.get(name), root: start.root };
    }

    const writable = (node) => {
      if (node.readOnly) throw new Refused(E.NOTCAPABLE);
    };

    function filestat(ptr, node, filetype) {
      const v = view();
      for (let i = 0; i < 64; i += 8) v.setBigUint64(ptr + i, 0n, true);
      v.setBigUint64(ptr + 8, BigInt(node ? node.ino : 0), true);
      v.setUint8(ptr + 16, filetype);
      v.setBigUint64(ptr + 24, 1n, true);
      v.setBigUint64(ptr + 32, BigInt(node && node.kind === "file" ? node.data.length : 0), true);
    }
    const typeOf = (node) => (node.kind === "dir" ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE);

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
      path_create_directory(fd, ptr, len) {
        const found = resolve(fd, readString(ptr, len));
        if (!found.parent) throw new Refused(E.EXIST);
        writable(found.parent);
        if (found.node) throw new Refused(E.EXIST);
        found.parent.entries.set(found.name, newDir(false));
      },
      path_filestat_get(fd, flags, ptr, len, statPtr) {
        const found = resolve(fd, readString(ptr, len));
        if (!found.node) throw new Refused(E.NOENT);
        filestat(statPtr, found.node, typeOf(found.node));
      },
      path_filestat_set_times(fd, flags, ptr, len) {
        const found = resolve(fd, readString(ptr, len));
        if (!found.node) throw new Refused(E.NOENT);
        writable(found.node);
      },
      path_link() {
        throw new Refused(E.NOTSUP);
      },
      path_open(fd, dirflags, ptr, len, oflags, rightsBase, rightsInheriting, fdflags, fdPtr) {
        const found = resolve(fd, readString(ptr, len));
        const wantsWrite = (BigInt(rightsBase) & WRITE_RIGHTS) !== 0n || (oflags & (O_CREAT | O_TRUNC)) !== 0 || (fdflags & FD_APPEND) !== 0;
        let node = found.node;
        if (!node) {
          if (!(oflags & O_CREAT)) throw new Refused(E.NOENT);
          if (!found.parent) throw new Refused(E.NOENT);
          writable(found.parent);
          node = newFile(new Uint8Array(0), false);
          found.parent.entries.set(found.name, node);
        } else if ((oflags & O_CREAT) && (oflags & O_EXCL)) {
          throw new Refused(E.EXIST);
        }
        if ((oflags & O_DIRECTORY) && node.kind !== "dir") throw new Refused(E.NOTDIR);
        if (node.kind === "dir" && wantsWrite) throw new Refused(E.ISDIR);
        if (wantsWrite) writable(node);
        if (oflags & O_TRUNC) node.data = new Uint8Array(0);
        const opened = node.kind === "dir"
          ? { kind: "dir", node, root: found.root }
          : { kind: "file", node, position: 0, append: (fdflags & FD_APPEND) !== 0, write: wantsWrite || (BigInt(rightsBase) & RIGHT_FD_WRITE) !== 0n };
        const newFd = nextFd++;
        fds.set(newFd, opened);
        view().setUint32(fdPtr, newFd, true);
      },
      path_readlink() {
        throw new Refused(E.INVAL); // nothing in a shim tree is a link
      },
      path_remove_directory(fd, ptr, len) {
        const found = resolve(fd, readString(ptr, len));
        if (!found.node) throw new Refused(E.NOENT);
        if (found.node.kind !== "dir") throw new Refused(E.NOTDIR);
        if (!found.parent) throw new Refused(E.NOTCAPABLE);
        writable(found.parent);
        if (found.node.entries.size) throw new Refused(E.NOTEMPTY);
        found.parent.entries.delete(found.name);
      },
      path_rename(fd, ptr, len, newFd, newPtr, newLen) {
        const from = resolve(fd, readString(ptr, len));
        const to = resolve(newFd, readString(newPtr, newLen));
        if (!from.node) throw new Refused(E.NOENT);
        if (!from.parent || !to.parent) throw new Refused(E.NOTCAPABLE);
        writable(from.parent);
        writable(to.parent);
        to.parent.entries.set(to.name, from.node);
        from.parent.entries.delete(from.name);
      },
      path_symlink() {
        throw new Refused(E.NOTSUP); // the shim has no links: none can lead out
      },
      path_unlink_file(fd, ptr, len) {
        const found = resolve(fd, readString(ptr, len));
        if (!found.node) throw new Refused(E.NOENT);
        if (found.node.kind === "dir") throw new Refused(E.ISDIR);
        writable(found.parent);
        found.parent.entries.delete(found.name);
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
