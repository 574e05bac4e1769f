// Generated imports for load cells (protocol.md, "Load"): every import a module declares,
// made from its own type as binary.js reads it: functions that throw StubCalled when
// called, memories, tables and globals of the declared types, tags.
//
// Plain script, no modules (see core.js): it adds `WasmMatrix.stubs`.
"use strict";

(function (global) {
  class StubCalled extends Error {
    constructor(where) {
      super(`called the import ${where}, which the load cell only stubs`);
      this.name = "StubCalled";
      this.where = where;
    }
  }
  class CannotStub extends Error {}

  function message(error) {
    return String((error && error.message) || error).split("\n")[0];
  }

  // A value type as the JS API names it (WebAssembly.Global, Table, Tag), or null.
  function apiType(type) {
    if (type.kind !== "ref") return type.kind;
    if (type.nullable && type.heap === "func") return "anyfunc";
    if (type.nullable && type.heap === "extern") return "externref";
    return null;
  }

  const ZERO = { i32: 0, f32: 0, f64: 0, i64: 0n, anyfunc: null, externref: null };

  function stubFor(info, entry) {
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
          throw new CannotStub(`cannot make the imported ${what} ${where} here: ${message(error)}`);
        }
      }
      case "table": {
        const element = apiType(entry.element);
        if (element !== "anyfunc" && element !== "externref") {
          throw new CannotStub(`cannot make a table of this element type for ${where} from JavaScript`);
        }
        const { min, max, i64 } = entry.limits;
        const type = { element, initial: i64 ? BigInt(min) : min };
        if (max !== undefined) type.maximum = i64 ? BigInt(max) : max;
        if (i64) type.address = "i64";
        try {
          return new WebAssembly.Table(type);
        } catch (error) {
          throw new CannotStub(`cannot make the imported table ${where} here: ${message(error)}`);
        }
      }
      case "global": {
        const { type, mutable } = entry.global;
        const value = apiType(type);
        if (!(value in ZERO)) {
          throw new CannotStub(`cannot make a global of type ${value || type.kind} for ${where} from JavaScript`);
        }
        try {
          return new WebAssembly.Global({ value, mutable }, ZERO[value]);
        } catch (error) {
          const what = `${mutable ? "mutable " : ""}${value} global`;
          throw new CannotStub(`cannot make the imported ${what} ${where} here: ${message(error)}`);
        }
      }
      case "tag": {
        if (typeof WebAssembly.Tag !== "function") {
          throw new CannotStub(`cannot make the imported tag ${where}: this engine has no WebAssembly.Tag`);
        }
        const signature = info.types[entry.type];
        const parameters = ((signature && signature.params) || []).map(apiType);
        try {
          if (parameters.includes(null)) throw new Error("a parameter of a type JavaScript cannot name");
          return new WebAssembly.Tag({ parameters });
        } catch (error) {
          throw new CannotStub(`cannot make the imported tag ${where}: ${message(error)}`);
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

  /** {imports, count} for WebAssembly.Instance, or {unsupported: why}; `info` is binary.js's
   * reading of the module. */
  function stubImports(info) {
    const imports = {};
    for (const entry of info.imports) {
      let stub;
      try {
        stub = stubFor(info, entry);
      } catch (error) {
        if (error instanceof CannotStub) return { unsupported: error.message, count: 0 };
        throw error;
      }
      (imports[entry.module] = imports[entry.module] || {})[entry.name] = stub;
    }
    return { imports, count: info.imports.length };
  }

  /** Instantiating may run the start function, which may call a stub: said as such. */
  function stubAnswer(error, stage) {
    if (error instanceof StubCalled) return { status: "stub", stage, import: error.where, message: error.message };
    return null;
  }

  global.WasmMatrix = global.WasmMatrix || {};
  global.WasmMatrix.stubs = { StubCalled, stubImports, stubAnswer };
})(typeof globalThis !== "undefined" ? globalThis : typeof global !== "undefined" ? global : this);
