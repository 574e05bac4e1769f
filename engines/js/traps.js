// Trap kinds: what each JavaScript engine's trap messages say, in the shared vocabulary of
// engines/protocol.md ("Trap kinds"). Measured on each engine (tests/test_trap_kinds.py
// holds every one of them to it); where an engine words two kinds alike, its message maps
// to both, and the runner can tell only that it was one of them.
//
// Plain script, no modules (see core.js): it adds `WasmMatrix.traps`.
"use strict";

(function (global) {
  const UNREACHABLE = "unreachable";
  const DIVIDE = "integer divide by zero";
  const OVERFLOW = "integer overflow";
  const CONVERSION = "invalid conversion to integer";
  const MEMORY = "out of bounds memory access";
  const TABLE = "out of bounds table access";
  const UNDEFINED = "undefined element";
  const UNINITIALIZED = "uninitialized element";
  const MISMATCH = "indirect call type mismatch";
  const NULL = "null reference";
  const CAST = "cast failure";
  const ARRAY = "out of bounds array access";
  const UNALIGNED = "unaligned atomic";
  const STACK = "call stack exhausted";

  // [pattern, kinds], first match wins. The JS engine behind each shell: V8 (node,
  // Chromium), JavaScriptCore (bun, jsc), SpiderMonkey (gjs, Firefox).
  const MESSAGES = {
    v8: [
      [/^unreachable/, [UNREACHABLE]],
      [/(divide|remainder) by zero/, [DIVIDE]],
      [/divide result unrepresentable/, [OVERFLOW]],
      [/float unrepresentable in integer range/, [OVERFLOW, CONVERSION]], // trunc of NaN and of too large alike
      [/memory access out of bounds/, [MEMORY]],
      [/data segment (out of bounds|has been dropped)/, [MEMORY, ARRAY]], // memory.init, array.init_data
      [/^null function or function signature mismatch/, [UNINITIALIZED, MISMATCH]], // V8 before 12.x
      [/^null function$/, [UNINITIALIZED]],
      [/function signature mismatch/, [MISMATCH]],
      [/table index is out of bounds/, [UNDEFINED, TABLE]], // call_indirect and table.* alike
      [/element segment (out of bounds|has been dropped)/, [TABLE, ARRAY]], // table.init, array.init_elem
      [/array element access out of bounds/, [ARRAY]],
      [/dereferencing a null pointer/, [NULL]],
      [/illegal cast/, [CAST]],
      [/unaligned accesses/, [UNALIGNED]],
      [/Maximum call stack size exceeded/, [STACK]],
    ],
    jsc: [
      [/Unreachable code should not be executed/, [UNREACHABLE]],
      [/Division by zero/, [DIVIDE]],
      [/Integer overflow/, [OVERFLOW]],
      [/Out of bounds Trunc operation/, [OVERFLOW, CONVERSION]],
      [/Out of bounds memory access/, [MEMORY]],
      [/Out of bounds call_indirect/, [UNDEFINED]],
      [/call_indirect to a null table entry/, [UNINITIALIZED]],
      [/call_indirect to a signature that does not match/, [MISMATCH, UNINITIALIZED]], // bun's JSC says it of null entries too
      [/Out of bounds table access/, [TABLE]],
      [/Out of bounds array\.(init|new)_data/, [ARRAY, MEMORY]], // the array or the data segment
      [/Out of bounds array\.(init|new)_elem/, [ARRAY, TABLE]], // the array or the element segment
      [/Out of bounds array/, [ARRAY]],
      [/to a null reference/, [NULL]],
      [/ref\.cast failed/, [CAST]],
      [/Unaligned memory access/, [UNALIGNED]],
      [/Maximum call stack size exceeded/, [STACK]],
    ],
    spidermonkey: [
      [/unreachable executed/, [UNREACHABLE]],
      [/integer divide by zero/, [DIVIDE]],
      [/integer overflow/, [OVERFLOW]],
      [/invalid conversion to integer/, [CONVERSION]],
      [/^table index out of bounds/, [TABLE]],
      [/^index out of bounds/, [MEMORY, TABLE, UNDEFINED, ARRAY]], // one message for all four
      [/indirect call to null/, [UNINITIALIZED]],
      [/indirect call signature mismatch/, [MISMATCH]],
      [/dereferencing null pointer/, [NULL]],
      [/bad cast/, [CAST]],
      [/unaligned memory access/, [UNALIGNED]],
      [/too much recursion/, [STACK]],
    ],
  };

  /** The kinds an engine's trap message names: one, several alike, or none (unknown). */
  function kindsOf(engine, message) {
    for (const [pattern, kinds] of MESSAGES[engine] || []) {
      if (pattern.test(message)) return kinds;
    }
    return [];
  }

  /** Whether an error thrown by a call is the engine's stack exhaustion. */
  function isExhaustion(engine, error) {
    const stack = kindsOf(engine, String((error && error.message) || ""));
    const exhausted = stack.length === 1 && stack[0] === STACK;
    if (error instanceof RangeError) return exhausted; // V8, JSC
    return Boolean(error && error.name === "InternalError" && exhausted); // SpiderMonkey
  }

  global.WasmMatrix = global.WasmMatrix || {};
  global.WasmMatrix.traps = { kindsOf, isExhaustion, MESSAGES };
})(typeof globalThis !== "undefined" ? globalThis : typeof global !== "undefined" ? global : this);
