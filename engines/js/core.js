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
      if (code === 0x63 || code === 0x64) leb(); // (ref null? heaptype): s33, same length
      return "ref";
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
    const functions = []; // type index of each function (imports would fail to link anyway)
    const exports = {};
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
      } else if (id === 3) {
        functions.push(...vec(leb));
      } else if (id === 7) {
        for (let n = leb(); n > 0; n--) {
          const length = leb();
          const name = utf8(bytes.subarray(at, at + length));
          at += length;
          const kind = byte();
          const index = leb();
          if (kind === 0) exports[name] = types[functions[index]];
        }
      }
      at = end;
    }
    return exports;
  }

  function utf8(bytes) {
    if (typeof TextDecoder !== "undefined") return new TextDecoder().decode(bytes);
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

  function run(request) {
    const bytes = fromBase64(request.module || "");
    let module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      return { status: "reject", stage: "compile", message: firstLine(error) };
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
      if (isTrap(error)) return { status: "trap", message: firstLine(error) };
      return { status: "error", message: `${error && error.name}: ${firstLine(error)}` };
    }
    const values = results.length === 1 ? [result] : results.length ? Array.from(result) : [];
    return { status: "return", values: results.map((type, i) => toWire(type, values[i])) };
  }

  const TYPES = { i32: 1, i64: 1, f32: 1, f64: 1 };

  // identity(): {engine, version, language, language_version, engine_version?}
  function createHost(identity, args) {
    const disabled = parseArgs(args);
    function answer(request) {
      switch (request.cmd) {
        case "start": {
          const features = detectFeatures();
          for (const name of disabled) if (!(name in features)) features[name] = false;
          return { ...identity(), features, disabled };
        }
        case "run":
          return run(request);
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
        try {
          request = JSON.parse(line);
          reply = answer(request);
        } catch (error) {
          reply = { status: "error", message: `host error: ${error && error.stack ? error.stack : error}` };
        }
        reply.seq = request && request.seq !== undefined ? request.seq : null;
        return { line: JSON.stringify(reply), stopped: request && request.cmd === "stop" };
      },
    };
  }

  global.WasmMatrix = { createHost, exportSignatures, toJs, toWire };
})(typeof globalThis !== "undefined" ? globalThis : this);
