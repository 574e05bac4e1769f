// Just enough of the binary format for the JavaScript hosts: the types of a module's
// exports (the JS API does not give them), and trampoline modules through which values
// cross into and out of the module as bits.
//
// Why a trampoline: a value that crosses the JS API becomes a JS value, and that loses
// bits (SpiderMonkey and JavaScriptCore canonicalise the NaNs they box; widening an f32
// quiets a signalling NaN) or cannot be made at all (v128, exnref). A trampoline imports
// the export with its exact type, reads the arguments from its own memory, calls, and
// writes the results back: the values travel wasm-to-wasm, and JavaScript only ever
// reads and writes bytes. References it classifies inside wasm (null, i31 and its value,
// struct, array, exn) and hands out only what needs JavaScript to be told apart: a host
// reference, through an externref table.
//
// Plain script, no modules (see core.js): it adds `WasmMatrix.binary`.
"use strict";

(function (global) {
  const NUMBERS = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128" };
  const HEAPS = {
    0x70: "func", 0x6f: "extern", 0x6e: "any", 0x6d: "eq", 0x6c: "i31", 0x6b: "struct",
    0x6a: "array", 0x69: "exn", 0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x74: "noexn",
    0x68: "cont", 0x75: "nocont",
  };
  // Each abstract heap type's hierarchy: what a trampoline can tell about its values.
  const HIERARCHY = {
    func: "func", nofunc: "func", extern: "extern", noextern: "extern", any: "any", eq: "any",
    i31: "any", struct: "any", array: "any", none: "any", exn: "exn", noexn: "exn",
  };
  // Memory access per value type: [load opcode bytes, store opcode bytes].
  const ACCESS = {
    i32: [[0x28], [0x36]],
    i64: [[0x29], [0x37]],
    f32: [[0x2a], [0x38]],
    f64: [[0x2b], [0x39]],
    v128: [[0xfd, 0x00], [0xfd, 0x0b]],
  };
  const SLOT = 16; // bytes per value in a trampoline's memory: a v128 fits
  // How a reference result is reported in its slot (the i32 at its start).
  const REF_CODES = { 0: "null", 1: "func", 2: "i31", 3: "struct", 4: "array", 5: "host", 6: "exn", 7: "extern" };

  class Reader {
    constructor(bytes, at, end) {
      this.bytes = bytes;
      this.at = at;
      this.end = end;
    }
    byte() {
      if (this.at >= this.end) throw new Error("unexpected end of section");
      return this.bytes[this.at++];
    }
    peek() {
      return this.bytes[this.at];
    }
    u32() {
      let result = 0;
      let scale = 1;
      for (let i = 0; ; i++) {
        const b = this.byte();
        result += (b & 0x7f) * scale;
        scale *= 128;
        if (!(b & 0x80)) return result;
        if (i > 9) throw new Error("LEB128 too long");
      }
    }
    skipLeb() {
      while (this.byte() & 0x80);
    }
    name() {
      const length = this.u32();
      const text = utf8(this.bytes.subarray(this.at, this.at + length));
      this.at += length;
      return text;
    }
    slice(start) {
      return this.bytes.slice(start, this.at);
    }
    vector(read) {
      const items = [];
      for (let n = this.u32(); n > 0; n--) items.push(read());
      return items;
    }
  }

  function utf8(bytes) {
    if (typeof TextDecoder !== "undefined") return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    return decodeURIComponent(Array.from(bytes, (b) => "%" + b.toString(16).padStart(2, "0")).join(""));
  }

  // A heap type: an abstract one's name, or a type index (a number).
  function heapType(r) {
    const b = r.peek();
    if (b === 0x65) throw new Error("shared heap types are beyond this host");
    if (b === 0x62) {
      r.byte(); // exact (custom descriptors): an exact type index
      return r.u32();
    }
    if (HEAPS[b]) {
      r.byte();
      return HEAPS[b];
    }
    return r.u32(); // an s33 type index: non-negative, so its LEB reads as a u32
  }

  // A value type: {kind: i32|i64|f32|f64|v128|ref, heap?, bytes (its own encoding)}.
  function valueType(r) {
    const start = r.at;
    const code = r.byte();
    if (NUMBERS[code]) return { kind: NUMBERS[code], bytes: r.slice(start) };
    if (code === 0x63 || code === 0x64) {
      const heap = heapType(r);
      return { kind: "ref", heap, nullable: code === 0x63, bytes: r.slice(start) };
    }
    if (HEAPS[code]) return { kind: "ref", heap: HEAPS[code], nullable: true, bytes: r.slice(start) };
    throw new Error(`unknown value type 0x${code.toString(16)}`);
  }

  function fieldType(r) {
    const b = r.peek();
    if (b === 0x78 || b === 0x77) r.byte(); // packed i8 / i16
    else valueType(r);
    r.byte(); // mutability
  }

  // One composite type (after its sub/final and descriptor prefixes).
  function compositeType(r) {
    for (;;) {
      const form = r.byte();
      if (form === 0x4d || form === 0x4c) {
        r.u32(); // descriptor / describes (custom descriptors) and its type index
        continue;
      }
      if (form === 0x60) return { form: "func", params: r.vector(() => valueType(r)), results: r.vector(() => valueType(r)) };
      if (form === 0x5f) {
        r.vector(() => fieldType(r));
        return { form: "struct" };
      }
      if (form === 0x5e) {
        fieldType(r);
        return { form: "array" };
      }
      if (form === 0x5d) {
        r.u32();
        return { form: "cont" };
      }
      throw new Error(`unknown type form 0x${form.toString(16)}`);
    }
  }

  function subType(r) {
    const b = r.peek();
    if (b === 0x50 || b === 0x4f) {
      r.byte();
      r.vector(() => r.u32());
    }
    return compositeType(r);
  }

  // A memory's or table's limits, as numbers (a 64-bit maximum beyond 2^53 loses
  // precision, which no generated import needs).
  function limits(r) {
    const flags = r.byte();
    const min = r.u32();
    const max = flags & 1 ? r.u32() : undefined;
    if (flags & 8) r.skipLeb(); // custom page size
    return { min, max, shared: (flags & 2) !== 0, i64: (flags & 4) !== 0 };
  }
  const IMPORT_KINDS = ["function", "table", "memory", "global", "tag"];

  /**
   * What a host needs to know of a module: its types (and the type section's raw entries,
   * which a trampoline copies so that type indices mean the same in both), the type of
   * each function and global, its imports and its exports. Throws if it cannot read it.
   */
  function readModule(bytes) {
    const r = new Reader(bytes, 8, bytes.length);
    const info = {
      types: [],
      typeEntries: new Uint8Array(0),
      typeEntryCount: 0,
      functions: [], // type index of each function, imported ones first
      globals: [], // {type, mutable} of each global, imported ones first
      imports: [], // {module, name, kind, and its type: type, element, limits or global}
      exports: {}, // name → {kind, index}
    };
    while (r.at < r.end) {
      const id = r.byte();
      const size = r.u32();
      const s = new Reader(bytes, r.at, r.at + size);
      r.at += size;
      if (id === 1) {
        info.typeEntryCount = s.u32();
        const start = s.at;
        for (let n = info.typeEntryCount; n > 0; n--) {
          if (s.peek() === 0x4e) {
            s.byte();
            info.types.push(...s.vector(() => subType(s)));
          } else {
            info.types.push(subType(s));
          }
        }
        info.typeEntries = bytes.slice(start, s.at);
      } else if (id === 2) {
        s.vector(() => {
          const entry = { module: s.name(), name: s.name() };
          const kind = s.byte();
          entry.kind = IMPORT_KINDS[kind];
          if (kind === 0) info.functions.push((entry.type = s.u32()));
          else if (kind === 1) (entry.element = valueType(s), entry.limits = limits(s));
          else if (kind === 2) entry.limits = limits(s);
          else if (kind === 3) info.globals.push((entry.global = { type: valueType(s), mutable: s.byte() === 1 }));
          else if (kind === 4) (s.byte(), entry.type = s.u32());
          else throw new Error(`unknown import kind ${kind}`);
          info.imports.push(entry);
        });
      } else if (id === 3) {
        info.functions.push(...s.vector(() => s.u32()));
      } else if (id === 6) {
        for (let n = s.u32(); n > 0; n--) {
          info.globals.push({ type: valueType(s), mutable: s.byte() === 1 });
          constantExpression(s);
        }
      } else if (id === 7) {
        s.vector(() => {
          const name = s.name();
          const kind = s.byte();
          info.exports[name] = { kind, index: s.u32() };
        });
      }
    }
    return info;
  }

  // A constant expression, instruction by instruction up to its `end`.
  function constantExpression(s) {
    for (;;) {
      const op = s.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) s.skipLeb();
      else if (op === 0x43) s.at += 4;
      else if (op === 0x44) s.at += 8;
      else if (op === 0xd0) heapType(s);
      else if (op === 0xfd) {
        s.u32();
        s.at += 16; // v128.const
      } else if (op === 0xfb) {
        const sub = s.u32();
        if (sub <= 0x01 || (sub >= 0x06 && sub <= 0x08)) s.u32(); // struct.new*, array.new*: a type
        if (sub === 0x08) s.u32(); // array.new_fixed: a count
        else if (!(sub <= 0x01 || sub === 0x06 || sub === 0x07 || (sub >= 0x1a && sub <= 0x1c))) {
          throw new Error(`unexpected instruction 0xfb ${sub} in a constant expression`);
        }
      } else if (!(op >= 0x6a && op <= 0x6c) && !(op >= 0x7c && op <= 0x7e)) {
        throw new Error(`unexpected instruction 0x${op.toString(16)} in a constant expression`);
      }
    }
  }

  // --- encoding --------------------------------------------------------------------------
  function leb(n) {
    const out = [];
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  }
  function sleb(n) {
    const out = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return out.concat(b);
      out.push(b | 0x80);
    }
  }
  const vec = (items) => [...leb(items.length), ...items.flat()];
  const section = (id, body) => [id, ...leb(body.length), ...body];
  const name = (text) => vec(Array.from(text, (c) => [c.charCodeAt(0)]));
  const memarg = (offset) => [0, ...leb(offset)]; // alignment 1: any slot works

  // The hierarchy of a reference type: func, extern, any, exn, or null (beyond us).
  function hierarchy(info, heap) {
    if (typeof heap === "string") return HIERARCHY[heap] || null;
    const type = info.types[heap];
    if (!type) return null;
    if (type.form === "func") return "func";
    if (type.form === "struct" || type.form === "array") return "any";
    return null;
  }

  function heapBytes(type) {
    // The heap type of a reference type's encoding: after 0x63/0x64, or the shorthand.
    const bytes = Array.from(type.bytes);
    return bytes[0] === 0x63 || bytes[0] === 0x64 ? bytes.slice(1) : bytes;
  }

  /** The pages of scratch memory a call needs: a slot per argument and per result. */
  function pagesFor(params, results) {
    return Math.max(1, Math.ceil(((params.length + results.length + 1) * SLOT) / 65536));
  }

  /**
   * Why a value of this type cannot be carried, or null when it can. Numbers and v128
   * always; references when the trampoline can tell them apart.
   */
  function uncarried(info, type) {
    if (type.kind !== "ref") return null;
    return hierarchy(info, type.heap) ? null : "a reference of this kind cannot be read by this host";
  }

  /**
   * A trampoline for one function type. `nulls[i]`: argument i is a null reference, made
   * inside wasm; other reference arguments come from JavaScript, as parameters of `c`.
   * It imports `m.mem`, the host's one scratch memory (arguments from slot 0, results
   * after them; one memory for every trampoline, as an engine may reserve gigabytes of
   * address space per memory), and exports `c` (the call) and `t` (an externref table:
   * the references a result hands to JavaScript to identify).
   */
  function trampoline(info, typeIndex, nulls, global) {
    const params = global ? [] : info.types[typeIndex].params;
    const results = global ? [global.type] : info.types[typeIndex].results;
    const own = info.types.length; // our types go after the module's own
    const jsParams = params.filter((type, i) => type.kind === "ref" && !nulls[i]);
    const callType = [0x60, ...vec(jsParams.map((type) => Array.from(type.bytes))), 0x00];
    const typeSection = [
      ...leb(info.typeEntryCount + 1),
      ...info.typeEntries,
      ...callType,
    ];
    const importEntry = global
      ? [...name("m"), ...name("g"), 0x03, ...global.type.bytes, global.mutable ? 1 : 0]
      : [...name("m"), ...name("f"), 0x00, ...leb(typeIndex)];
    const memoryEntry = [...name("m"), ...name("mem"), 0x02, 0x00, ...leb(pagesFor(params, results))];
    const refResults = results.filter((type) => type.kind === "ref").length;

    const body = [];
    let jsIndex = 0;
    params.forEach((type, i) => {
      if (type.kind !== "ref") body.push(0x41, 0, ...ACCESS[type.kind][0], ...memarg(i * SLOT));
      else if (nulls[i]) body.push(0xd0, ...heapBytes(type)); // ref.null of the parameter's own heap type
      else body.push(0x20, ...leb(jsIndex++));
    });
    body.push(...(global ? [0x23, 0] : [0x10, 0])); // global.get 0 / call 0
    // Results sit on the stack, last on top: park each in a local of its own type.
    const first = jsParams.length; // locals after c's parameters
    const code = first + results.length; // an i32 local for a reference's code
    for (let j = results.length - 1; j >= 0; j--) body.push(0x21, ...leb(first + j));
    let tableSlot = 0;
    results.forEach((type, j) => {
      const at = (params.length + j) * SLOT;
      const local = [0x20, ...leb(first + j)];
      if (type.kind !== "ref") {
        body.push(0x41, 0, ...local, ...ACCESS[type.kind][1], ...memarg(at));
        return;
      }
      const kind = hierarchy(info, type.heap);
      const set = (value) => [0x41, value, 0x21, ...leb(code)];
      const when = (test, then) => [...test, 0x04, 0x40, ...then, 0x0b]; // if … end
      if (kind === "func") body.push(...set(1));
      if (kind === "exn") body.push(...set(6));
      if (kind === "extern") {
        body.push(...set(7), 0x41, ...sleb(tableSlot++), ...local, 0x26, 0); // table.set 0
      }
      if (kind === "any") {
        body.push(...set(5));
        body.push(0x41, ...sleb(tableSlot++), ...local, 0xfb, 0x1b, 0x26, 0); // extern.convert_any
        body.push(...when([...local, 0xfb, 0x14, 0x6a], set(4))); // ref.test (ref array)
        body.push(...when([...local, 0xfb, 0x14, 0x6b], set(3))); // ref.test (ref struct)
        body.push(
          ...when([...local, 0xfb, 0x14, 0x6c], [
            ...set(2),
            0x41, 0, ...local, 0xfb, 0x16, 0x6c, 0xfb, 0x1e, 0x36, ...memarg(at + 4), // i31.get_u
          ]),
        );
      }
      body.push(...when([...local, 0xd1], set(0))); // ref.is_null
      body.push(0x41, 0, 0x20, ...leb(code), 0x36, ...memarg(at));
    });
    body.push(0x0b);
    const locals = vec([...results.map((type) => [1, ...type.bytes]), [1, 0x7f]]);
    const func = [...locals, ...body];
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, typeSection),
      ...section(2, vec([importEntry, memoryEntry])),
      ...section(3, vec([leb(own)])),
      ...(refResults ? section(4, vec([[0x6f, 0x00, ...leb(refResults)]])) : []),
      ...section(7, vec([
        [...name("c"), 0x00, ...leb(global ? 0 : 1)],
        ...(refResults ? [[...name("t"), 0x01, 0]] : []),
      ])),
      ...section(10, vec([[...leb(func.length), ...func]])),
    ];
    return new Uint8Array(bytes);
  }

  global.WasmMatrix = global.WasmMatrix || {};
  global.WasmMatrix.binary = { readModule, trampoline, pagesFor, uncarried, SLOT, REF_CODES, utf8 };
})(typeof globalThis !== "undefined" ? globalThis : typeof global !== "undefined" ? global : this);
