// The wasm-matrix host core shared by every JavaScript shell (node, bun, jsc, gjs).
//
// Plain script, no modules: each shell loads it its own way (require, load, imports) and
// it leaves one global, WasmMatrix. A shell's shim reads request lines, passes each to
// host.handle(line) and writes the answer line it gets back on its protocol channel.
// Everything engine-specific (how to read and write, versions) lives in the shims.
"use strict";

(function (global) {
  // --- bits <-> JS values -------------------------------------------------------------
  const scratch = new DataView(new ArrayBuffer(8));

  function toJs(value) {
    const bits = value.value;
    switch (value.type) {
      case "i32":
        return Number(bits) | 0;
      case "i64":
        return BigInt.asIntN(64, BigInt(bits));
      case "f32":
        scratch.setUint32(0, Number(bits));
        return scratch.getFloat32(0);
      case "f64":
        scratch.setBigUint64(0, BigInt(bits));
        return scratch.getFloat64(0);
      default:
        throw new CallError(`this host cannot pass values of type ${value.type}`);
    }
  }

  function toWire(type, value) {
    switch (type) {
      case "i32":
        return { type, value: String(value >>> 0) };
      case "i64":
        return { type, value: BigInt.asUintN(64, value).toString() };
      case "f32":
        scratch.setFloat32(0, value);
        return { type, value: String(scratch.getUint32(0)) };
      case "f64":
        scratch.setFloat64(0, value);
        return { type, value: scratch.getBigUint64(0).toString() };
      default:
        throw new CallError(`this host cannot read results of type ${type}`);
    }
  }

  // --- base64 (jsc and gjs have no atob) ----------------------------------------------
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const DIGIT = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

  function fromBase64(text) {
    const clean = text.replace(/[^A-Za-z0-9+/]/g, "");
    const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
    let acc = 0;
    let count = 0;
    let n = 0;
    for (let i = 0; i < clean.length; i++) {
      acc = (acc << 6) | DIGIT[clean.charCodeAt(i)];
      count += 6;
      if (count >= 8) {
        count -= 8;
        out[n++] = (acc >> count) & 0xff;
      }
    }
    return out.subarray(0, n);
  }

  // --- export signatures, read from the binary ----------------------------------------
  // The JS API does not say which wasm types an export takes or returns, and a JS number
  // could be an i32, f32 or f64: read the type, function and export sections ourselves.
  const NUMERIC = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128" };

  function exportSignatures(bytes) {
    let at = 8;
    const byte = () => bytes[at++];
    const leb = () => {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = byte();
        if (b === undefined) throw new Error("truncated module");
        if (shift < 28) result |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) return result >>> 0;
      }
    };
    const valType = () => {
      const code = byte();
      if (NUMERIC[code]) return NUMERIC[code];
      if (code === 0x63 || code === 0x64) {
        // (ref null? heaptype): an abstract heap type is one byte, a type index an s33
        const heap = bytes[at];
        if (HEAPS[heap]) {
          at++;
          return "ref." + HEAPS[heap];
        }
        leb();
        return "ref.$";
      }
      return HEAPS[code] ? "ref." + HEAPS[code] : "ref";
    };
    // Limits as numbers (a 64-bit maximum beyond 2^53 loses precision, which no stub needs).
    const limits = () => {
      const flags = byte();
      const min = lebNumber();
      const max = flags & 1 ? lebNumber() : undefined;
      if (flags & 8) leb(); // custom page size
      return { min, max, shared: (flags & 2) !== 0, i64: (flags & 4) !== 0 };
    };
    const leb64 = () => {
      for (;;) if (!(byte() & 0x80)) return;
    };
    const lebNumber = () => {
      let result = 0;
      let scale = 1;
      for (;;) {
        const b = byte();
        if (b === undefined) throw new Error("truncated module");
        result += (b & 0x7f) * scale;
        scale *= 128;
        if (!(b & 0x80)) return result;
      }
    };
    // A constant expression, skipped instruction by instruction up to its `end`.
    const constExpr = () => {
      for (;;) {
        const op = byte();
        if (op === 0x0b) return;
        if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) leb64();
        else if (op === 0x43) at += 4;
        else if (op === 0x44) at += 8;
        else if (op === 0xd0) valTypeHeap();
        else if (op === 0xfd) {
          leb();
          at += 16; // v128.const
        } else if (op === 0xfb) {
          const sub = leb();
          if (sub <= 0x03 || sub === 0x06 || sub === 0x07 || sub === 0x08) leb(); // type immediates
          if (sub === 0x08 || sub === 0x09 || sub === 0x0a) leb(); // count / segment
        }
        // i32/i64 add, sub, mul and the conversions take no immediates
      }
    };
    const valTypeHeap = () => {
      if (HEAPS[bytes[at]]) at++;
      else leb64();
    };
    const vec = (item) => {
      const out = [];
      for (let n = leb(); n > 0; n--) out.push(item());
      return out;
    };
    const fieldType = () => {
      if (bytes[at] === 0x78 || bytes[at] === 0x77) at++; // packed i8 / i16
      else valType();
      byte(); // mutability
    };
    const compType = () => {
      const form = byte();
      if (form === 0x60) return { params: vec(valType), results: vec(valType) };
      if (form === 0x5f) vec(fieldType);
      else if (form === 0x5e) fieldType();
      else throw new Error(`unknown type form 0x${form.toString(16)}`);
      return null;
    };
    const subType = () => {
      if (bytes[at] === 0x50 || bytes[at] === 0x4f) {
        at++;
        vec(leb);
      }
      return compType();
    };
    const types = [];
    const functions = []; // type index of each function, imported ones first
    const globals = []; // value type of each global, imported ones first
    const exports = {};
    const globalExports = {};
    const imports = []; // {module, name} of each import, in order
    while (at < bytes.length) {
      const id = byte();
      const size = leb();
      const end = at + size;
      if (id === 1) {
        for (let n = leb(); n > 0; n--) {
          if (bytes[at] === 0x4e) {
            at++;
            types.push(...vec(subType));
          } else {
            types.push(subType());
          }
        }
      } else if (id === 2) {
        for (let n = leb(); n > 0; n--) {
          const moduleLength = leb(); // (`at += leb()` would add to the old `at`)
          const moduleName = utf8(bytes.subarray(at, at + moduleLength));
          at += moduleLength;
          const fieldLength = leb();
          const entry = { module: moduleName, name: utf8(bytes.subarray(at, at + fieldLength)) };
          imports.push(entry);
          at += fieldLength;
          const kind = byte();
          if (kind === 0) {
            entry.kind = "function";
            entry.type = leb();
            functions.push(entry.type);
          } else if (kind === 1) {
            entry.kind = "table";
            entry.element = valType();
            entry.limits = limits();
          } else if (kind === 2) {
            entry.kind = "memory";
            entry.limits = limits();
          } else if (kind === 3) {
            entry.kind = "global";
            entry.value = valType();
            entry.mutable = byte() === 1;
            globals.push(entry.value);
          } else if (kind === 4) {
            entry.kind = "tag";
            byte();
            entry.type = leb();
          } else {
            throw new Error(`unknown import kind 0x${kind.toString(16)}`);
          }
        }
      } else if (id === 3) {
        functions.push(...vec(leb));
      } else if (id === 6) {
        for (let n = leb(); n > 0; n--) {
          globals.push(valType());
          byte();
          constExpr();
        }
      } else if (id === 7) {
        for (let n = leb(); n > 0; n--) {
          const length = leb();
          const name = utf8(bytes.subarray(at, at + length));
          at += length;
          const kind = byte();
          const index = leb();
          if (kind === 0) exports[name] = types[functions[index]];
          if (kind === 3) globalExports[name] = globals[index];
        }
      }
      at = end;
    }
    Object.defineProperty(exports, GLOBALS, { value: globalExports });
    for (const entry of imports) {
      if (entry.kind === "function" || entry.kind === "tag") entry.signature = types[entry.type];
    }
    Object.defineProperty(exports, IMPORTS, { value: imports });
    return exports;
  }
  const GLOBALS = typeof Symbol === "function" ? Symbol("globals") : "__globals";
  const IMPORTS = typeof Symbol === "function" ? Symbol("imports") : "__imports";
  const HEAPS = {
    0x70: "func", 0x6f: "extern", 0x6e: "any", 0x6d: "eq", 0x6c: "i31", 0x6b: "struct",
    0x6a: "array", 0x69: "exn", 0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x74: "noexn",
  };

  function utf8(bytes) {
    if (typeof TextDecoder !== "undefined") return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    return decodeURIComponent(Array.from(bytes, (b) => "%" + b.toString(16).padStart(2, "0")).join(""));
  }

  // --- which features this configuration has on: ask the engine itself ----------------
  // Each is the smallest module (after the 8-byte header) that needs the feature.
  const FEATURE_MODULES = {
    "mutable-globals": "0606017f0141000b07050101670300",
    "sign-ext": "0105016000017f030201000a070105004100c00b",
    "nontrapping-fptoint": "0105016000017f030201000a0b0109004300000000fc000b",
    multivalue: "0106016000027f7f030201000a08010600410041000b",
    "bulk-memory": "0104016000000302010005030100010a0d010b00410041004100fc0b000b",
    "reference-types": "0105016000016f030201000a06010400d06f0b",
    simd128: "0105016000017b030201000a16011400fd0c000000000000000000000000000000000b",
    "relaxed-simd": "0105016000017b030201000a19011700fd0c00000000000000000000000000000000fd81020b",
    "tail-call": "010401600000030201000a0601040012000b",
    "extended-const": "0609017f00410141026a0b",
    exceptions: "010401600000030201000a0d010b0002401f400102000b0b0b",
    gc: "0107025f006000016c030201010a080106004100fb1c0b",
    memory64: "0503010401",
    "multi-memory": "05050200010001",
    threads: "0105016000017f030201000504010301010a0a0108004100fe1002000b",
  };

  function detectFeatures() {
    const features = {};
    for (const name of Object.keys(FEATURE_MODULES)) {
      const hex = "0061736d01000000" + FEATURE_MODULES[name];
      const bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
      try {
        features[name] = WebAssembly.validate(bytes);
      } catch (error) {
        features[name] = false;
      }
    }
    return features;
  }

  // --- errors -------------------------------------------------------------------------
  class CallError extends Error {}

  function firstLine(error) {
    let text;
    if (error instanceof Error) text = error.message || String(error);
    else if (typeof WebAssembly.Exception === "function" && error instanceof WebAssembly.Exception)
      text = "uncaught wasm exception";
    else text = String(error);
    // JSC appends which of our expressions threw; that is the host, not the engine.
    text = text.split("\n")[0].replace(/ \(evaluating '.*'\)$/, "").trim();
    return text || (error && error.name) || "error";
  }

  // Stack exhaustion: RangeError in V8 and JSC, InternalError ("too much recursion") in SpiderMonkey.
  function isTrap(error) {
    if (error instanceof WebAssembly.RuntimeError) return true;
    if (error instanceof RangeError) return true;
    if (error && error.name === "InternalError") return true;
    return typeof WebAssembly.Exception === "function" && error instanceof WebAssembly.Exception;
  }

  // --- the protocol -------------------------------------------------------------------
  function parseArgs(args) {
    const disabled = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--disable" && i + 1 < args.length) disabled.push(args[++i]);
    }
    return disabled;
  }

  function toBase64(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      text += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
      text += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : "=";
      text += i + 2 < bytes.length ? ALPHABET[n & 63] : "=";
    }
    return text;
  }

  // `wasi`: the shell's WASI provider (protocol.md, "WASI"), or null when it has none.
  function run(request, wasi) {
    const bytes = fromBase64(request.module || "");
    let module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      return { status: "reject", stage: "compile", message: firstLine(error) };
    }
    if (request.wasi) {
      if (!wasi || !wasi.via) return { status: "unsupported", message: (wasi && wasi.missing) || "this host has no WASI" };
      return runWasi(module, bytes, request, wasi);
    }
    let instance;
    try {
      instance = new WebAssembly.Instance(module, {});
    } catch (error) {
      return { status: "reject", stage: "instantiate", message: firstLine(error) };
    }
    let signatures = null;
    let signatureError = null;
    try {
      signatures = exportSignatures(bytes);
    } catch (error) {
      signatureError = firstLine(error);
    }
    const calls = (request.calls || []).map((call) =>
      invoke(instance, signatures, signatureError, call),
    );
    return { status: "ran", calls };
  }

  // A WASI program: the provider gives the imports and runs `_start` or `_initialize`;
  // the case's calls follow only when that ended well.
  function runWasi(module, bytes, request, wasi) {
    const session = wasi.create(request.wasi, module);
    try {
      let instance;
      try {
        instance = new WebAssembly.Instance(module, session.imports);
      } catch (error) {
        return { status: "reject", stage: "instantiate", message: firstLine(error) };
      }
      const ending = session.start(instance);
      let calls = [];
      if (ending.exit_code !== null && ending.exit_code !== undefined && !ending.trap) {
        let signatures = null;
        let signatureError = null;
        try {
          signatures = exportSignatures(bytes);
        } catch (error) {
          signatureError = firstLine(error);
        }
        calls = (request.calls || []).map((call) => invoke(instance, signatures, signatureError, call));
      }
      return { status: "ran", calls, wasi: session.finish(ending) };
    } finally {
      if (session.close) session.close();
    }
  }

  // --- load: instantiate against generated imports (protocol.md, "Load") -------------
  // Every import the module declares is made from its own type: functions that throw
  // StubCalled when called, memories, tables and globals of the declared types, tags.
  class StubCalled extends Error {
    constructor(where) {
      super(`called the import ${where}, which the load cell only stubs`);
      this.name = "StubCalled";
      this.where = where;
    }
  }
  class CannotStub extends Error {}

  const GLOBAL_ZERO = { i32: 0, f32: 0, f64: 0 };

  function stubFor(entry) {
    const where = `${entry.module}.${entry.name}`;
    switch (entry.kind) {
      case "function":
        return () => {
          throw new StubCalled(where);
        };
      case "memory": {
        const { min, max, shared, i64 } = entry.limits;
        const type = { initial: min, shared };
        if (max !== undefined) type.maximum = max;
        if (i64) {
          type.address = "i64";
          type.index = "i64"; // the earlier name of `address` in the memory64 JS API
          type.initial = BigInt(min);
          if (max !== undefined) type.maximum = BigInt(max);
        }
        try {
          const memory = new WebAssembly.Memory(type);
          if (i64 && !memoryIs64(memory)) throw new Error("the address type was ignored");
          return memory;
        } catch (error) {
          const what = `${i64 ? "a 64-bit " : ""}${shared ? "shared " : ""}memory`;
          throw new CannotStub(`cannot make the imported ${what} ${where} here: ${firstLine(error)}`);
        }
      }
      case "table": {
        const element = { "ref.func": "anyfunc", "ref.extern": "externref" }[entry.element];
        if (!element) throw new CannotStub(`cannot make a table of ${entry.element} for ${where} from JavaScript`);
        const { min, max, i64 } = entry.limits;
        const type = { element, initial: i64 ? BigInt(min) : min };
        if (max !== undefined) type.maximum = i64 ? BigInt(max) : max;
        if (i64) type.address = "i64";
        try {
          return new WebAssembly.Table(type);
        } catch (error) {
          throw new CannotStub(`cannot make the imported table ${where} here: ${firstLine(error)}`);
        }
      }
      case "global": {
        const type = entry.value;
        let zero;
        if (type in GLOBAL_ZERO) zero = GLOBAL_ZERO[type];
        else if (type === "i64") zero = BigInt(0);
        else if (type === "ref.func" || type === "ref.extern") zero = null;
        else throw new CannotStub(`cannot make a global of type ${type} for ${where} from JavaScript`);
        const value = { "ref.func": "anyfunc", "ref.extern": "externref" }[type] || type;
        try {
          return new WebAssembly.Global({ value, mutable: entry.mutable }, zero);
        } catch (error) {
          const what = `${entry.mutable ? "mutable " : ""}${type} global`;
          throw new CannotStub(`cannot make the imported ${what} ${where} here: ${firstLine(error)}`);
        }
      }
      case "tag": {
        if (typeof WebAssembly.Tag !== "function") {
          throw new CannotStub(`cannot make the imported tag ${where}: this engine has no WebAssembly.Tag`);
        }
        const parameters = (entry.signature && entry.signature.params) || [];
        try {
          return new WebAssembly.Tag({ parameters });
        } catch (error) {
          throw new CannotStub(`cannot make the imported tag ${where}: ${firstLine(error)}`);
        }
      }
      default:
        throw new CannotStub(`cannot stub the import ${where} of kind ${entry.kind}`);
    }
  }

  function memoryIs64(memory) {
    if (typeof memory.type === "function") {
      const type = memory.type();
      return type.address === "i64" || type.index === "i64";
    }
    return true; // no way to ask: assume the engine honoured it
  }

  // {imports} for WebAssembly.Instance, or {unsupported: reason}; `signatures` from
  // exportSignatures(bytes).
  function stubImports(signatures) {
    const imports = {};
    for (const entry of signatures[IMPORTS]) {
      let stub;
      try {
        stub = stubFor(entry);
      } catch (error) {
        if (error instanceof CannotStub) return { unsupported: error.message, count: 0 };
        throw error;
      }
      (imports[entry.module] = imports[entry.module] || {})[entry.name] = stub;
    }
    return { imports, count: signatures[IMPORTS].length };
  }

  // Instantiating may run the start function, which may call a stub: said as such.
  function stubAnswer(error, stage) {
    if (error instanceof StubCalled) {
      return { status: "stub", stage, import: error.where, message: error.message };
    }
    return null;
  }

  function load(request) {
    const bytes = fromBase64(request.module || "");
    let module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      return { status: "reject", stage: "compile", message: firstLine(error) };
    }
    let signatures;
    try {
      signatures = exportSignatures(bytes);
    } catch (error) {
      return { status: "error", message: `the host cannot read the module's imports: ${firstLine(error)}` };
    }
    const made = stubImports(signatures);
    if (made.unsupported) return { status: "unsupported", message: made.unsupported };
    let instance;
    try {
      instance = new WebAssembly.Instance(module, made.imports);
    } catch (error) {
      return stubAnswer(error, "instantiate") || { status: "reject", stage: "instantiate", message: firstLine(error) };
    }
    const calls = (request.calls || []).map((call) => {
      const answer = invoke(instance, signatures, null, call);
      return answer;
    });
    return { status: "ran", calls, imports: made.count };
  }

  function invoke(instance, signatures, signatureError, call) {
    const name = call.invoke;
    const args = call.args || [];
    const fn = Object.prototype.hasOwnProperty.call(instance.exports, name)
      ? instance.exports[name]
      : undefined;
    if (typeof fn !== "function") {
      return { status: "error", message: `no exported function named ${JSON.stringify(name)}` };
    }
    if (!signatures) {
      return { status: "error", message: `cannot read the module's signatures: ${signatureError}` };
    }
    const signature = signatures[name];
    if (!signature) return { status: "error", message: `no signature for export ${name}` };
    const { params, results } = signature;
    if (params.length !== args.length) {
      return {
        status: "error",
        message: `${name} takes ${params.length} arguments, ${args.length} given`,
      };
    }
    for (const type of [...params, ...results]) {
      if (!(type in TYPES)) {
        return { status: "error", message: `this host cannot pass values of type ${type}` };
      }
      if (type === "i64" && !i64CanCross()) {
        // Before BigInt integration an i64 in a signature is a TypeError at the boundary:
        // the result cannot be observed through this API, which is not the engine failing.
        return { status: "unsupported", message: "i64 values cannot cross this engine's JS API (no BigInt integration)" };
      }
    }
    let jsArgs;
    try {
      jsArgs = args.map((arg, i) => {
        if (arg.type !== params[i]) {
          throw new CallError(`${name} takes ${params[i]}, the case gives ${arg.type}`);
        }
        return toJs(arg);
      });
    } catch (error) {
      return { status: "error", message: firstLine(error) };
    }
    let result;
    try {
      result = fn(...jsArgs);
    } catch (error) {
      if (error instanceof StubCalled) return { status: "trap", message: error.message };
      if (isTrap(error)) return { status: "trap", message: firstLine(error) };
      return { status: "error", message: `${error && error.name}: ${firstLine(error)}` };
    }
    const values = results.length === 1 ? [result] : results.length ? Array.from(result) : [];
    return { status: "return", values: results.map((type, i) => toWire(type, values[i])) };
  }

  const TYPES = { i32: 1, i64: 1, f32: 1, f64: 1 };

  // Can an i64 cross the JS API here? (module (func (export "f") (param i64))) called with 0n.
  let i64Crosses = null;
  function i64CanCross() {
    if (i64Crosses === null) {
      try {
        const hex = "0061736d0100000001050160017e0003020100070501016600000a040102000b";
        const bytes = new Uint8Array(hex.length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
        new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports.f(BigInt(0));
        i64Crosses = true;
      } catch (error) {
        i64Crosses = false;
      }
    }
    return i64Crosses;
  }

  // --- scripts (protocol.md, "Scripts"): one registry of instances per script ---------
  class Unsupported extends Error {}

  function spectest() {
    const print = (...args) => {
      if (typeof console !== "undefined") console.log(...args);
    };
    const imports = {
      print, print_i32: print, print_i64: print, print_f32: print, print_f64: print,
      print_i32_f32: print, print_f64_f64: print,
      global_i32: new WebAssembly.Global({ value: "i32", mutable: false }, 666),
      global_i64: new WebAssembly.Global({ value: "i64", mutable: false }, BigInt(666)),
      global_f32: new WebAssembly.Global({ value: "f32", mutable: false }, 666.6),
      global_f64: new WebAssembly.Global({ value: "f64", mutable: false }, 666.6),
      table: new WebAssembly.Table({ initial: 10, maximum: 20, element: "anyfunc" }),
      memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
    };
    try {
      imports.shared_memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    } catch (error) {
      // no threads in this engine
    }
    try {
      imports.table64 = new WebAssembly.Table({ initial: BigInt(10), maximum: BigInt(20), element: "anyfunc", address: "i64" });
    } catch (error) {
      // no memory64 tables in this engine's JS API
    }
    return imports;
  }

  // The script in progress: a `script` request with `continue` goes on with it.
  let current = null;

  function runScript(directives, carryOn) {
    if (!carryOn || !current) {
      current = { registry: { spectest: spectest() }, named: {}, definitions: {}, hostRefs: new Map(), latest: null };
    }
    const { registry, named, definitions, hostRefs } = current; // hostRefs: (ref.extern n) → one object
    let latest = current.latest;
    const hostRef = (n) => {
      if (!hostRefs.has(n)) hostRefs.set(n, { hostRef: n });
      return hostRefs.get(n);
    };

    function instantiate(entry) {
      const imports = {};
      let list;
      try {
        list = WebAssembly.Module.imports(entry.module);
      } catch (error) {
        // JSC cannot describe some imports (typed references): read them from the bytes.
        if (!entry.signatures) throw error;
        list = entry.signatures[IMPORTS];
      }
      for (const wanted of list) {
        const from = registry[wanted.module];
        if (from && Object.prototype.hasOwnProperty.call(from, wanted.name)) {
          (imports[wanted.module] = imports[wanted.module] || {})[wanted.name] = from[wanted.name];
        }
      }
      try {
        return Object.assign({}, entry, { instance: new WebAssembly.Instance(entry.module, imports) });
      } catch (error) {
        return { reject: { status: "reject", stage: "instantiate", message: firstLine(error) } };
      }
    }

    function target(directive) {
      const entry = directive.module === undefined ? latest : named[directive.module];
      if (!entry) throw new CallError(directive.module === undefined ? "no module has been instantiated" : `no module named ${directive.module}`);
      return entry;
    }

    function toScriptJs(arg, type) {
      switch (arg.type) {
        case "v128":
          throw new Unsupported("v128 values cannot cross the JavaScript API");
        case "ref.null":
          return null;
        case "ref.extern":
        case "ref.host":
          return hostRef(Number(arg.value));
        default:
          if (arg.type !== type) throw new CallError(`takes ${type}, the script gives ${arg.type}`);
          return toJs(arg);
      }
    }

    function toScriptWire(type, value) {
      if (TYPES[type]) return toWire(type, value);
      if (type === "v128") throw new Unsupported("v128 values cannot cross the JavaScript API");
      if (value === null) return { type: "ref", kind: "null" };
      if (value && typeof value === "object" && "hostRef" in value && hostRefs.get(value.hostRef) === value) {
        const extern = type === "ref.extern" || type === "ref.noextern";
        return { type: "ref", kind: extern ? "extern" : "host", value: String(value.hostRef) };
      }
      if (typeof value === "function") return { type: "ref", kind: "func" };
      if (typeof value === "number" && type !== "ref.extern") {
        return { type: "ref", kind: "i31", value: String(value & 0x7fffffff) };
      }
      return { type: "ref", kind: type === "ref.extern" ? "extern" : "any" };
    }

    function call(directive) {
      const entry = target(directive);
      const exports = entry.instance.exports;
      const fn = Object.prototype.hasOwnProperty.call(exports, directive.field) ? exports[directive.field] : undefined;
      if (typeof fn !== "function") throw new CallError(`no exported function named ${JSON.stringify(directive.field)}`);
      const signature = entry.signatures && entry.signatures[directive.field];
      if (!signature) throw new CallError(`no signature for export ${directive.field}`);
      const args = directive.args || [];
      if (signature.params.length !== args.length) {
        throw new CallError(`takes ${signature.params.length} arguments, ${args.length} given`);
      }
      for (const type of signature.results) {
        if (type === "v128") throw new Unsupported("v128 values cannot cross the JavaScript API");
        if (type === "ref.exn" || type === "ref.noexn") throw new Unsupported("exnref values cannot cross the JavaScript API");
      }
      const jsArgs = args.map((arg, i) => toScriptJs(arg, signature.params[i]));
      let result;
      try {
        result = fn(...jsArgs);
      } catch (error) {
        if (typeof WebAssembly.Exception === "function" && error instanceof WebAssembly.Exception) {
          return { status: "exception", message: "uncaught wasm exception" };
        }
        if (error instanceof RangeError || (error && error.name === "InternalError")) {
          return { status: "trap", message: firstLine(error), exhaustion: true };
        }
        if (error instanceof WebAssembly.RuntimeError) return { status: "trap", message: firstLine(error) };
        return { status: "error", message: `${error && error.name}: ${firstLine(error)}` };
      }
      const results = signature.results;
      const values = results.length === 1 ? [result] : results.length ? Array.from(result) : [];
      return { status: "return", values: results.map((type, i) => toScriptWire(type, values[i])) };
    }

    function step(directive) {
      switch (directive.do) {
        case "module": {
          const bytes = fromBase64(directive.module);
          let module;
          try {
            module = new WebAssembly.Module(bytes);
          } catch (error) {
            // Chromium refuses to compile large modules synchronously on a page's main thread.
            if (/main thread/.test(firstLine(error))) {
              return { status: "unsupported", message: `this host cannot compile it here: ${firstLine(error)}` };
            }
            return { status: "reject", stage: "compile", message: firstLine(error) };
          }
          let signatures = null;
          try {
            signatures = exportSignatures(bytes);
          } catch (error) {
            signatures = null;
          }
          const entry = { module, signatures };
          if (directive.instantiate === false) {
            if (directive.name && !directive.expect_failure) definitions[directive.name] = entry;
            return { status: "ok" };
          }
          const made = instantiate(entry);
          if (made.reject) return made.reject;
          if (!directive.expect_failure) {
            latest = made;
            if (directive.name) named[directive.name] = made;
          }
          return { status: "ok" };
        }
        case "instance": {
          const definition = definitions[directive.definition];
          if (!definition) throw new CallError(`no module definition ${directive.definition}`);
          const made = instantiate(definition);
          if (made.reject) return made.reject;
          latest = made;
          if (directive.name) named[directive.name] = made;
          return { status: "ok" };
        }
        case "register":
          registry[directive.as] = target(directive).instance.exports;
          return { status: "ok" };
        case "invoke":
          return call(directive);
        case "get": {
          const entry = target(directive);
          const glob = entry.instance.exports[directive.field];
          if (!(glob instanceof WebAssembly.Global)) throw new CallError(`no exported global named ${directive.field}`);
          const type = entry.signatures && entry.signatures[GLOBALS][directive.field];
          if (!type) throw new CallError(`no type for global ${directive.field}`);
          if (type === "v128") throw new Unsupported("v128 values cannot cross the JavaScript API");
          return { status: "return", values: [toScriptWire(type, glob.value)] };
        }
        default:
          return { status: "error", message: `unknown directive ${JSON.stringify(directive.do)}` };
      }
    }

    const answers = directives.map((directive) => {
      try {
        return step(directive);
      } catch (error) {
        if (error instanceof Unsupported) return { status: "unsupported", message: error.message };
        return { status: "error", message: firstLine(error) };
      }
    });
    current.latest = latest;
    return answers;
  }

  // --- JS-API probes (protocol.md, "JS-API probes") ---------------------------------
  // A case's `js` is the body of a function (WebAssembly, bytes, host) that returns an
  // object of functions (or a promise of one); the case's calls call them. `host` tags
  // what happens: a module the engine refuses is a reject, an API it lacks a js-api reject,
  // and what this shell cannot do (wait for a promise, import a module as ESM) unsupported.
  class Rejected extends Error {
    constructor(stage, message) {
      super(message);
      this.stage = stage;
    }
  }

  function probeHelpers(options) {
    return {
      compile(bytes, compileOptions) {
        try {
          return compileOptions === undefined ? new WebAssembly.Module(bytes) : new WebAssembly.Module(bytes, compileOptions);
        } catch (error) {
          throw new Rejected("compile", firstLine(error));
        }
      },
      instantiate(module, imports, compileOptions) {
        const compiled = module instanceof WebAssembly.Module ? module : this.compile(module, compileOptions);
        try {
          return new WebAssembly.Instance(compiled, imports || {});
        } catch (error) {
          throw new Rejected("instantiate", firstLine(error));
        }
      },
      // ESM integration: only shells that load modules from files can (options.importModule).
      importModule(bytes) {
        if (!options.importModule) throw new Unsupported("this shell cannot import a WebAssembly module as an ES module");
        return options.importModule(bytes);
      },
      unsupported(reason) {
        throw new Unsupported(reason);
      },
    };
  }

  const isThenable = (value) => value !== null && (typeof value === "object" || typeof value === "function") && typeof value.then === "function";

  function probeFailure(error) {
    if (error instanceof Unsupported) return { status: "unsupported", message: error.message };
    if (error instanceof Rejected) return { status: "reject", stage: error.stage, message: error.message };
    // The probe used an API this engine does not have (or refused what it was given).
    return { status: "reject", stage: "js-api", message: `${error && error.name ? error.name + ": " : ""}${firstLine(error)}` };
  }

  function runProbe(request, options) {
    const bytes = fromBase64(request.module || "");
    const calls = request.calls || [];
    let made;
    try {
      made = new Function("WebAssembly", "bytes", "host", request.js)(WebAssembly, bytes, probeHelpers(options));
    } catch (error) {
      return probeFailure(error);
    }
    const answers = [];
    // One call at a time; a promise (JSPI, ESM) makes the rest wait for it where the shell can.
    const settle = (value, finish) => {
      if (!isThenable(value)) return finish(value, false);
      if (!options.canAwait) return finish(new Unsupported("this shell cannot wait for a promise"), true);
      return value.then((result) => finish(result, false), (error) => finish(error, true));
    };
    const next = (exported) => {
      while (answers.length < calls.length) {
        const call = calls[answers.length];
        const fn = exported && exported[call.invoke];
        if (typeof fn !== "function") {
          answers.push({ status: "error", message: `the probe made no function named ${JSON.stringify(call.invoke)}` });
          continue;
        }
        let value;
        let threw = false;
        try {
          value = fn(...(call.args || []).map(toJs));
        } catch (error) {
          value = error;
          threw = true;
        }
        const answered = threw ? record(call, value, true) : settle(value, (result, failed) => record(call, result, failed));
        if (isThenable(answered)) return answered.then(() => next(exported));
      }
      return { status: "ran", calls: answers };
    };
    const record = (call, value, failed) => {
      if (failed) {
        if (value instanceof Unsupported) answers.push({ status: "unsupported", message: value.message });
        else if (isTrap(value)) answers.push({ status: "trap", message: firstLine(value) });
        else answers.push({ status: "error", message: `${value && value.name}: ${firstLine(value)}` });
        return null;
      }
      try {
        const types = call.results || [];
        const values = types.length === 1 ? [value] : types.length ? Array.from(value) : [];
        answers.push({ status: "return", values: types.map((type, i) => toWire(type, values[i])) });
      } catch (error) {
        answers.push({ status: "error", message: firstLine(error) });
      }
      return null;
    };
    return settle(made, (exported, failed) => (failed ? probeFailure(exported) : next(exported)));
  }

  // identity(): {engine, version, language, language_version, engine_version?}
  // wasi: {via: "native" | "shim", create(request, module)} or {missing: why} (optional).
  // options: {canAwait, importModule(bytes)}: what the shell can do for JS-API probes.
  function createHost(identity, args, wasi, options = {}) {
    const disabled = parseArgs(args);
    const wasiFacts = wasi && wasi.via ? { wasi: wasi.via } : { wasi_missing: (wasi && wasi.missing) || "this host has no WASI" };
    function answer(request) {
      switch (request.cmd) {
        case "start": {
          const features = detectFeatures();
          for (const name of disabled) if (!(name in features)) features[name] = false;
          // Object.assign, not spread: node 8.0-8.2's V8 cannot parse object spread.
          return Object.assign(identity(), { features, disabled, script: true }, wasiFacts);
        }
        case "run":
          return request.js === undefined ? run(request, wasi) : runProbe(request, options);
        case "load":
          return load(request);
        case "script":
          return { status: "ran", answers: runScript(request.directives || [], request.continue === true) };
        case "stop":
          return { status: "stopped" };
        default:
          return { status: "error", message: `unknown command ${JSON.stringify(request.cmd)}` };
      }
    }
    return {
      // One request line in, one answer line out; `stopped` tells the shim to exit.
      handle(line) {
        let request = {};
        let reply;
        const failed = (error) => ({ status: "error", message: `host error: ${error && error.stack ? error.stack : error}` });
        try {
          request = JSON.parse(line);
          reply = answer(request);
        } catch (error) {
          reply = failed(error);
        }
        const seq = request && request.seq !== undefined ? request.seq : null;
        const stopped = request && request.cmd === "stop";
        const text = (done) => JSON.stringify(Object.assign({}, done, { seq }));
        // A JS-API probe that waits for a promise answers later: `line` is then a promise.
        if (isThenable(reply)) return { line: reply.then(text, (error) => text(failed(error))), stopped };
        return { line: text(reply), stopped };
      },
    };
  }

  global.WasmMatrix = {
    createHost, exportSignatures, stubImports, StubCalled, toJs, toWire, fromBase64, toBase64, firstLine, isTrap,
  };
  // node before 12 has no globalThis, and `this` in its modules is module.exports.
})(typeof globalThis !== "undefined" ? globalThis : typeof global !== "undefined" ? global : this);
