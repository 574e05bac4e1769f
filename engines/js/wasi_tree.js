// The in-memory folders of wasm-matrix's WASI shim (wasi_shim.js) and the path_* calls on
// them: each preopen is a tree built from the files the runner sent inline, listed back
// the same way afterwards, and every path a module names is resolved inside its preopen,
// never above its root (`..` past the root and absolute paths are ENOTCAPABLE). Read-only
// trees refuse every change; there are no symbolic links. Plain script, loaded before
// wasi_shim.js; it leaves one global, WasmMatrixWasiTree.
"use strict";

(function (global) {
  // WASI preview 1 errno values the shim answers with.
  const E = {
    SUCCESS: 0, ACCES: 2, BADF: 8, EXIST: 20, INVAL: 28, ISDIR: 31, NOENT: 44, NOSYS: 52,
    NOTDIR: 54, NOTEMPTY: 55, NOTSUP: 58, SPIPE: 70, NOTCAPABLE: 76,
  };
  const FILETYPE = { CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4 };
  const O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;
  const FD_APPEND = 1;
  const RIGHT_FD_WRITE = 64n, RIGHT_FD_ALLOCATE = 256n, RIGHT_FILESTAT_SET_SIZE = 4194304n;
  const WRITE_RIGHTS = RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FILESTAT_SET_SIZE;

  // A WASI call refused with an errno (the shim returns it to the module).
  class Refused extends Error {
    constructor(errno) {
      super(`errno ${errno}`);
      this.errno = errno;
    }
  }

  let inodes = 1;
  const newDir = (readOnly) => ({ kind: "dir", entries: new Map(), readOnly, ino: inodes++ });
  const newFile = (data, readOnly) => ({ kind: "file", data, readOnly, ino: inodes++ });
  const typeOf = (node) => (node.kind === "dir" ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE);

  const writable = (node) => {
    if (node.readOnly) throw new Refused(E.NOTCAPABLE);
  };

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

  // A tree back as {relative/path: base64 | null}, as the runner sent it.
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

  // The folders from `root` down to `want` (a folder inside it), or null.
  function trail(node, want, path) {
    if (node === want) return path;
    for (const child of node.entries.values()) {
      if (child.kind !== "dir") continue;
      const found = trail(child, want, [...path, child]);
      if (found) return found;
    }
    return null;
  }

  // Resolve `path` under the folder an open descriptor names (`start`: {node, root}):
  // {parent folder, last name, node (if it exists), root}, never above the preopen's root.
  function resolve(start, path) {
    if (start.kind !== "dir") throw new Refused(E.NOTDIR);
    if (path.startsWith("/")) throw new Refused(E.NOTCAPABLE);
    const stack = [start.root, ...(trail(start.root, start.node, []) || [])];
    const parts = path.split("/").filter((part) => part !== "" && part !== ".");
    if (parts.length === 0) return { parent: null, name: ".", node: stack[stack.length - 1], root: start.root };
    for (const part of parts.slice(0, -1)) {
      if (part === "..") {
        if (stack.length === 1) throw new Refused(E.NOTCAPABLE);
        stack.pop();
        continue;
      }
      const dir = stack[stack.length - 1].entries.get(part);
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

  // The path_* calls of one session: `resolve(fd, path)`, `readString(ptr, len)` and
  // `view()` read the module's memory, `filestat(ptr, node, type)` writes a filestat,
  // `open(descriptor)` gives an opened file or folder its fd. Each throws Refused.
  function pathCalls({ resolve, readString, view, filestat, open }) {
    return {
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
        view().setUint32(fdPtr, open(opened), true);
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
    };
  }

  global.WasmMatrixWasiTree = { E, FILETYPE, FD_APPEND, Refused, typeOf, writable, tree, listing, resolve, pathCalls };
})(typeof globalThis !== "undefined" ? globalThis : this);
