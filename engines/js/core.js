// The wasm-matrix host core shared by every JavaScript engine: the shells (node, bun, jsc,
// gjs, deno, pythonmonkey) and the browsers (engines/browser/ runs it inside the page).
//
// Plain script, no modules: each shell loads binary.js, traps.js, stubs.js and this file its
// own way (require, load, imports, page.evaluate) and gets one global, WasmMatrix. A shell's shim
// reads request lines, passes each to host.handle(line) and writes the answer line it gets
// back on its protocol channel. Everything engine-specific (how to read and write,
// versions, which JS engine it is, its WASI) lives in the shims.
//
// Values never cross the JS API as JS values: every call goes through a trampoline module
// (binary.js) that takes its arguments from memory and leaves its results there, so they
// are exact to the bit, v128 and references included. A value no trampoline can carry is
// `unsupported` (a skip), never a guess. JS-API probes (protocol.md) are the exception by
// design: they test the JS API itself, so their values are JS values.
//
// Old engines must at least parse it (node 8.0 is the oldest in node's series): no object
// spread, no BigInt literals, and values as bits without BigInt (node before 10.4 has none).
"use strict";

(function (global) {
  const WasmMatrix = global.WasmMatrix;
  const { readModule, trampoline, pagesFor, uncarried, SLOT, REF_CODES } = WasmMatrix.binary;
  const { kindsOf, isExhaustion } = WasmMatrix.traps;
  const { StubCalled, stubImports, stubAnswer } = WasmMatrix.stubs;

  // --- base64 (jsc and gjs have no atob) ----------------------------------------------
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const DIGIT = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

  function fromBase64(text) {
    if (typeof atob === "function") {
      // The engine's own decoder where it has one: a shipped module's base64 is tens of MB,
      // which the loop below (and its cleaned copy of the text) makes heavy in a page.
      const binary = atob(text);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return bytes;
    }
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

  // --- which features this configuration has on: ask the engine itself ----------------
  // Each is the smallest module (after the 8-byte header) that needs the feature; the same
  // probes as engines/browser/features.mjs.
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
  class CallError extends Error {} // the call cannot be made as asked (the case's or script's problem)
  class Unsupported extends Error {} // this host cannot carry such a value (a skip)

  function firstLine(error) {
    let text;
    if (error instanceof Error) text = error.message || String(error);
    else text = String(error);
    // JSC appends which of our expressions threw; that is the host, not the engine.
    text = text.split("\n")[0].replace(/ \(evaluating '.*'\)$/, "").trim();
    return text || (error && error.name) || "error";
  }

  /** How a call that threw ended: a trap (with its kinds), an uncaught wasm exception, or
   * not the module's doing at all (an `error`: never a trap). */
  function ending(engine, error) {
    // A generated import was called (a load cell): the stub's throw is the call's trap.
    if (error instanceof StubCalled) return { status: "trap", message: error.message, kinds: [] };
    if (typeof WebAssembly.Exception === "function" && error instanceof WebAssembly.Exception) {
      return { status: "exception", message: "uncaught wasm exception" };
    }
    const message = firstLine(error);
    if (error instanceof WebAssembly.RuntimeError) return { status: "trap", message, kinds: kindsOf(engine, message) };
    if (isExhaustion(engine, error)) return { status: "trap", message, kinds: ["call stack exhausted"] };
    if (error instanceof Unsupported) return { status: "unsupported", message: error.message };
    if (error instanceof CallError) return { status: "error", message: error.message };
    return { status: "error", message: `${(error && error.name) || "Error"}: ${message}` };
  }

  // --- exact calls, through trampolines ----------------------------------------------
  // An instance as the host keeps it: {module, info (binary.js's reading, or null),
  // unreadable (why not), instance, trampolines}.
  function entryOf(module, bytes) {
    const entry = { module, info: null, unreadable: "", instance: null, trampolines: new Map() };
    try {
      entry.info = readModule(bytes);
    } catch (error) {
      entry.unreadable = firstLine(error);
    }
    return entry;
  }

  function infoOf(entry) {
    if (!entry.info) throw new CallError(`the host cannot read the module's types: ${entry.unreadable}`);
    return entry.info;
  }

  // The one scratch memory every trampoline reads its arguments from and leaves its results
  // in (calls never overlap): one allocation for the host's life, however many trampolines.
  let scratch = null;

  function scratchMemory(pages) {
    if (!scratch) scratch = new WebAssembly.Memory({ initial: pages });
    const have = scratch.buffer.byteLength / 65536;
    if (have < pages) scratch.grow(pages - have);
    return scratch;
  }

  // A trampoline instance, made once per export (and pattern of null arguments).
  function trampolineFor(entry, key, pages, makeBytes, imports) {
    let made = entry.trampolines.get(key);
    if (!made) {
      let instance;
      try {
        imports.m.mem = scratchMemory(pages);
        instance = new WebAssembly.Instance(new WebAssembly.Module(makeBytes()), imports);
      } catch (error) {
        throw new Unsupported(`this engine refuses the host's trampoline for these values: ${firstLine(error)}`);
      }
      made = { call: instance.exports.c, table: instance.exports.t };
      entry.trampolines.set(key, made);
    }
    return made;
  }

  // Decimal text <-> little-endian bytes (memory's order: a v128's lane 0 lowest), without
  // BigInt, which old engines lack.
  function writeDecimal(view, at, size, text) {
    const bytes = new Uint8Array(size);
    for (const digit of String(text)) {
      let carry = digit.charCodeAt(0) - 48;
      for (let i = 0; i < size; i++) {
        const value = bytes[i] * 10 + carry;
        bytes[i] = value & 0xff;
        carry = value >> 8;
      }
    }
    for (let i = 0; i < size; i++) view.setUint8(at + i, bytes[i]);
  }

  function readDecimal(view, at, size) {
    const digits = [0]; // least significant first
    for (let i = size - 1; i >= 0; i--) {
      let carry = view.getUint8(at + i);
      for (let d = 0; d < digits.length; d++) {
        const value = digits[d] * 256 + carry;
        digits[d] = value % 10;
        carry = Math.floor(value / 10);
      }
      for (; carry; carry = Math.floor(carry / 10)) digits.push(carry % 10);
    }
    return digits.reverse().join("");
  }

  const SIZES = { i32: 4, f32: 4, i64: 8, f64: 8, v128: 16 };

  function writeValue(view, at, kind, text) {
    if (kind === "i32" || kind === "f32") view.setUint32(at, Number(text), true);
    else writeDecimal(view, at, SIZES[kind], text);
  }

  function readValue(made, view, at, type, tableSlot, hostRefs) {
    const kind = type.kind;
    if (kind === "i32" || kind === "f32") return { type: kind, value: String(view.getUint32(at, true)) };
    if (kind === "i64" || kind === "f64" || kind === "v128") return { type: kind, value: readDecimal(view, at, SIZES[kind]) };
    const code = REF_CODES[view.getUint32(at, true)];
    if (code === "i31") return { type: "ref", kind: "i31", value: String(view.getUint32(at + 4, true)) };
    if (code !== "host" && code !== "extern") return { type: "ref", kind: code };
    // Only JavaScript can tell which host reference it is: the trampoline left it in `t`.
    const held = made.table.get(tableSlot);
    const number = hostRefs && hostRefs.numberOf(held);
    if (number !== undefined) return { type: "ref", kind: code, value: String(number) };
    return { type: "ref", kind: code === "host" ? "any" : "extern" };
  }

  // A call's arguments as the trampoline takes them: which are null (made in wasm) and
  // the JS values of the other references.
  function checkArguments(info, name, params, args, hostRefs) {
    if (params.length !== args.length) {
      throw new CallError(`${name} takes ${params.length} arguments, ${args.length} given`);
    }
    const nulls = [];
    const refs = [];
    params.forEach((type, i) => {
      const arg = args[i];
      if (type.kind !== "ref") {
        if (arg.type !== type.kind) throw new CallError(`${name} takes ${type.kind}, the call gives ${arg.type}`);
        nulls.push(false);
        return;
      }
      if (arg.type === "ref.null") {
        nulls.push(true);
        return;
      }
      if ((arg.type !== "ref.extern" && arg.type !== "ref.host") || !hostRefs) {
        throw new CallError(`${name} takes a reference, the call gives ${arg.type}`);
      }
      nulls.push(false);
      refs.push(hostRefs.of(Number(arg.value)));
    });
    return { nulls, refs };
  }

  /** Call export `name` of `entry` with wire `args`; its results as wire values. Throws
   * CallError, Unsupported, or whatever the call itself threw. */
  function callExact(entry, name, args, hostRefs) {
    const info = infoOf(entry);
    const exported = info.exports[name];
    const fn = entry.instance.exports[name];
    if (!exported || exported.kind !== 0 || typeof fn !== "function") {
      throw new CallError(`no exported function named ${JSON.stringify(name)}`);
    }
    const typeIndex = info.functions[exported.index];
    const type = info.types[typeIndex];
    if (!type || type.form !== "func") throw new CallError(`the host cannot read the type of ${name}`);
    for (const valueType of [...type.params, ...type.results]) {
      const why = uncarried(info, valueType);
      if (why) throw new Unsupported(why);
    }
    const { nulls, refs } = checkArguments(info, name, type.params, args, hostRefs);
    const key = `f:${name}:${nulls.map(Number).join("")}`;
    const pages = pagesFor(type.params, type.results);
    const made = trampolineFor(entry, key, pages, () => trampoline(info, typeIndex, nulls, null), { m: { f: fn } });
    const view = new DataView(scratch.buffer);
    type.params.forEach((valueType, i) => {
      if (valueType.kind !== "ref") writeValue(view, i * SLOT, valueType.kind, args[i].value);
    });
    made.call(...refs);
    let tableSlot = 0;
    return type.results.map((valueType, j) => {
      const at = (type.params.length + j) * SLOT;
      const slot = valueType.kind === "ref" ? tableSlot++ : -1;
      return readValue(made, view, at, valueType, slot, hostRefs);
    });
  }

  /** The value of exported global `name`, read by a trampoline. */
  function readGlobal(entry, name, hostRefs) {
    const info = infoOf(entry);
    const exported = info.exports[name];
    const glob = entry.instance.exports[name];
    if (!exported || exported.kind !== 3 || !(glob instanceof WebAssembly.Global)) {
      throw new CallError(`no exported global named ${JSON.stringify(name)}`);
    }
    const globalType = info.globals[exported.index];
    const why = uncarried(info, globalType.type);
    if (why) throw new Unsupported(why);
    const made = trampolineFor(entry, `g:${name}`, 1, () => trampoline(info, null, [], globalType), { m: { g: glob } });
    made.call();
    return readValue(made, new DataView(scratch.buffer), 0, globalType.type, 0, hostRefs);
  }

  // --- cells: `run` and `load` --------------------------------------------------------
  function callEach(engine, entry, calls) {
    return calls.map((call) => {
      try {
        return { status: "return", values: callExact(entry, call.invoke, call.args || [], null) };
      } catch (error) {
        return ending(engine, error);
      }
    });
  }

  // Compile the cell's module, then go on with `then(entry)`. Browsers refuse to compile a
  // large module synchronously on their main thread (Chromium: over 8 MB), so a shell that
  // says `compileAsync` compiles with WebAssembly.compile and answers with a promise.
  function withModule(request, compileAsync, then) {
    const bytes = fromBase64(request.module || "");
    const rejected = (error) => ({ status: "reject", stage: "compile", message: firstLine(error) });
    if (compileAsync) return WebAssembly.compile(bytes).then((module) => then(entryOf(module, bytes)), rejected);
    let module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      return rejected(error);
    }
    return then(entryOf(module, bytes));
  }

  // Instantiate, then go on with `then()`: asynchronously where the shell compiles so
  // (Chromium refuses a large module's synchronous instantiation too).
  function withInstance(entry, imports, compileAsync, then) {
    const refused = (error) => stubAnswer(error, "instantiate") || { status: "reject", stage: "instantiate", message: firstLine(error) };
    if (compileAsync) {
      return WebAssembly.instantiate(entry.module, imports).then((instance) => {
        entry.instance = instance;
        return then();
      }, refused);
    }
    try {
      entry.instance = new WebAssembly.Instance(entry.module, imports);
    } catch (error) {
      return refused(error);
    }
    return then();
  }

  // `wasi`: the shell's WASI provider (protocol.md, "WASI"), or null when it has none.
  function run(engine, entry, request, wasi, compileAsync) {
    if (request.wasi) {
      if (!wasi || !wasi.via) return { status: "unsupported", message: (wasi && wasi.missing) || "this host has no WASI" };
      return runWasi(engine, entry, request, wasi, compileAsync);
    }
    return withInstance(entry, {}, compileAsync, () => ({ status: "ran", calls: callEach(engine, entry, request.calls || []) }));
  }

  // A WASI program: the provider gives the imports and runs `_start` or `_initialize`;
  // the case's calls follow (through the trampolines, as every call) only when that ended well.
  function runWasi(engine, entry, request, wasi, compileAsync) {
    const session = wasi.create(request.wasi, entry.module);
    const close = () => {
      if (session.close) session.close();
    };
    let answer;
    try {
      answer = withInstance(entry, session.imports, compileAsync, () => {
        const ended = session.start(entry.instance);
        const started = ended.exit_code !== null && ended.exit_code !== undefined && !ended.trap;
        const calls = started ? callEach(engine, entry, request.calls || []) : [];
        return { status: "ran", calls, wasi: session.finish(ended) };
      });
    } catch (error) {
      close();
      throw error;
    }
    if (!isThenable(answer)) {
      close();
      return answer;
    }
    return answer.then(
      (done) => (close(), done),
      (error) => {
        close();
        throw error;
      },
    );
  }

  // Load (protocol.md, "Load"): instantiate against imports generated from the module's
  // own import section (stubs.js), then make the case's calls.
  function load(engine, entry, request, compileAsync) {
    if (!entry.info) return { status: "error", message: `the host cannot read the module's imports: ${entry.unreadable}` };
    const made = stubImports(entry.info);
    if (made.unsupported) return { status: "unsupported", message: made.unsupported };
    const ran = () => ({ status: "ran", calls: callEach(engine, entry, request.calls || []), imports: made.count });
    return withInstance(entry, made.imports, compileAsync, ran);
  }

  // --- scripts (protocol.md, "Scripts"): one registry of instances per script ---------
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

  // (ref.extern n) and (ref.host n): one JS object per number, for the whole script.
  function hostReferences() {
    const objects = new Map();
    const numbers = new Map();
    return {
      of(n) {
        if (!objects.has(n)) {
          const object = { hostRef: n };
          objects.set(n, object);
          numbers.set(object, n);
        }
        return objects.get(n);
      },
      numberOf(object) {
        return numbers.get(object);
      },
    };
  }

  // The script in progress: a `script` request with `continue` goes on with it.
  let current = null;

  function runScript(engine, directives, carryOn) {
    if (!carryOn || !current) {
      current = { registry: { spectest: spectest() }, named: {}, definitions: {}, hostRefs: hostReferences(), latest: null };
    }
    const state = current;

    function instantiate(definition) {
      const imports = {};
      let list;
      try {
        list = WebAssembly.Module.imports(definition.module);
      } catch (error) {
        // JSC cannot describe some imports (typed references): read them from the bytes.
        if (!definition.info) throw error;
        list = definition.info.imports;
      }
      for (const wanted of list) {
        const from = state.registry[wanted.module];
        if (from && Object.prototype.hasOwnProperty.call(from, wanted.name)) {
          (imports[wanted.module] = imports[wanted.module] || {})[wanted.name] = from[wanted.name];
        }
      }
      const entry = Object.assign({}, definition, { trampolines: new Map() });
      try {
        entry.instance = new WebAssembly.Instance(definition.module, imports);
      } catch (error) {
        return { reject: { status: "reject", stage: "instantiate", message: firstLine(error) } };
      }
      return entry;
    }

    function target(directive) {
      const entry = directive.module === undefined ? state.latest : state.named[directive.module];
      if (!entry) throw new CallError(directive.module === undefined ? "no module has been instantiated" : `no module named ${directive.module}`);
      return entry;
    }

    function keep(entry, name) {
      state.latest = entry;
      if (name) state.named[name] = entry;
    }

    function step(directive) {
      switch (directive.do) {
        case "module": {
          const bytes = fromBase64(directive.module);
          let module;
          try {
            module = new WebAssembly.Module(bytes);
          } catch (error) {
            return { status: "reject", stage: "compile", message: firstLine(error) };
          }
          const definition = entryOf(module, bytes);
          if (directive.instantiate === false) {
            if (directive.name && !directive.expect_failure) state.definitions[directive.name] = definition;
            return { status: "ok" };
          }
          const made = instantiate(definition);
          if (made.reject) return made.reject;
          if (!directive.expect_failure) keep(made, directive.name);
          return { status: "ok" };
        }
        case "instance": {
          const definition = state.definitions[directive.definition];
          if (!definition) throw new CallError(`no module definition ${directive.definition}`);
          const made = instantiate(definition);
          if (made.reject) return made.reject;
          keep(made, directive.name);
          return { status: "ok" };
        }
        case "register":
          state.registry[directive.as] = target(directive).instance.exports;
          return { status: "ok" };
        case "invoke":
          return { status: "return", values: callExact(target(directive), directive.field, directive.args || [], state.hostRefs) };
        case "get":
          return { status: "return", values: [readGlobal(target(directive), directive.field, state.hostRefs)] };
        default:
          return { status: "error", message: `unknown directive ${JSON.stringify(directive.do)}` };
      }
    }

    return directives.map((directive) => {
      try {
        return step(directive);
      } catch (error) {
        return ending(engine, error);
      }
    });
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
        answers.push(ending(options.engine, value)); // a trap with its kinds, never a guess
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

  // A JS-API probe's values are JS values (the JS API is what it tests): i64 as a BigInt.
  const jsScratch = new DataView(new ArrayBuffer(8));

  function toJs(value) {
    const bits = value.value;
    switch (value.type) {
      case "i32":
        return Number(bits) | 0;
      case "i64":
        return BigInt.asIntN(64, BigInt(bits));
      case "f32":
        jsScratch.setUint32(0, Number(bits), true);
        return jsScratch.getFloat32(0, true);
      case "f64":
        writeDecimal(jsScratch, 0, 8, bits);
        return jsScratch.getFloat64(0, true);
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
        jsScratch.setFloat32(0, value, true);
        return { type, value: String(jsScratch.getUint32(0, true)) };
      case "f64":
        jsScratch.setFloat64(0, value, true);
        return { type, value: readDecimal(jsScratch, 0, 8) };
      default:
        throw new CallError(`this host cannot read results of type ${type}`);
    }
  }

  // identity(): {engine, version, language, language_version, engine_version?}
  // wasi: {via: "native" | "shim", create(request, module)} or {missing: why} (optional).
  // options: {engine, canAwait, importModule(bytes), compileAsync}: `engine` the JS engine
  // whose trap messages to read (v8, jsc, spidermonkey; see traps.js), the rest what the
  // shell can do (wait for promises: JS-API probes; compile cells asynchronously: browsers).
  function createHost(identity, args, wasi, options = {}) {
    const engine = options.engine;
    const compileAsync = options.compileAsync === true;
    const disabled = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--disable" && i + 1 < args.length) disabled.push(args[++i]);
    }
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
          if (request.js !== undefined) return runProbe(request, options);
          return withModule(request, compileAsync, (entry) => run(engine, entry, request, wasi, compileAsync));
        case "load":
          return withModule(request, compileAsync, (entry) => load(engine, entry, request, compileAsync));
        case "script":
          return { status: "ran", answers: runScript(engine, request.directives || [], request.continue === true) };
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
        // SpiderMonkey's and JavaScriptCore's stacks leave the message out: say it first.
        const failed = (error) => ({ status: "error", message: `host error: ${error && error.name}: ${firstLine(error)}\n${(error && error.stack) || ""}` });
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

  Object.assign(WasmMatrix, { createHost, callExact, fromBase64, toBase64, firstLine });
  // node before 12 has no globalThis, and `this` in its modules is module.exports.
})(typeof globalThis !== "undefined" ? globalThis : typeof global !== "undefined" ? global : this);
