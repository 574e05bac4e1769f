// What runs inside the page: compile, instantiate and call, with every answer classified
// here (the browser's own error objects never leave the page). page.evaluate serializes
// this function by its source, so it must not refer to anything outside itself.
//
// calls: [{name, error?, key, trampoline (base64), args: [{wire, value}], results: [type]}]

// stubbed: instantiate against generated imports, made by the JS host core (../js/core.js,
// loaded into the page first) from the module's own import section.
export async function runInPage(moduleBase64, calls, stubbed = false) {
  const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const message = (e) => String(e?.message ?? e).split('\n')[0];
  const isStackOverflow = (e) =>
    e instanceof RangeError || (typeof InternalError === 'function' && e instanceof InternalError);

  let module;
  try {
    module = await WebAssembly.compile(bytesOf(moduleBase64));
  } catch (e) {
    return { status: 'reject', stage: 'compile', message: message(e) };
  }
  let imports = {};
  let stubs = 0;
  if (stubbed) {
    const core = globalThis.WasmMatrix;
    let made;
    try {
      made = core.stubImports(core.exportSignatures(bytesOf(moduleBase64)));
    } catch (e) {
      return { status: 'error', message: `the host cannot read the module's imports: ${message(e)}` };
    }
    if (made.unsupported) return { status: 'unsupported', message: made.unsupported };
    imports = made.imports;
    stubs = made.count;
  }
  const isStub = (e) => e?.name === 'StubCalled';
  let instance;
  try {
    instance = await WebAssembly.instantiate(module, imports);
  } catch (e) {
    if (isStub(e)) return { status: 'stub', stage: 'instantiate', import: e.where, message: message(e) };
    return { status: 'reject', stage: 'instantiate', message: message(e) };
  }

  globalThis.trampolines ??= new Map(); // compiled once per signature, kept across runs
  const answers = [];
  for (const call of calls) {
    if (call.error) {
      answers.push({ status: 'error', message: call.error });
      continue;
    }
    const target = instance.exports[call.name];
    if (typeof target !== 'function') {
      answers.push({ status: 'error', message: `no exported function named ${JSON.stringify(call.name)}` });
      continue;
    }
    let compiled = globalThis.trampolines.get(call.key);
    if (!compiled) {
      compiled = new WebAssembly.Module(bytesOf(call.trampoline));
      globalThis.trampolines.set(call.key, compiled);
    }
    const invoke = new WebAssembly.Instance(compiled, { m: { f: target } }).exports.c;
    const args = call.args.map((a) => (a.wire === 'i64' ? BigInt(a.value) : Number(a.value) | 0));
    let result;
    try {
      result = invoke(...args);
    } catch (e) {
      if (isStub(e) || e instanceof WebAssembly.RuntimeError || isStackOverflow(e)) {
        answers.push({ status: 'trap', message: message(e) });
      } else if (typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception) {
        answers.push({ status: 'trap', message: 'uncaught WebAssembly exception' });
      } else {
        answers.push({ status: 'error', message: `${e?.name ?? 'Error'}: ${message(e)}` });
      }
      continue;
    }
    const list = call.results.length === 1 ? [result] : call.results.length ? [...result] : [];
    const values = list.map((v, i) => ({
      type: call.results[i],
      value: typeof v === 'bigint' ? BigInt.asUintN(64, v).toString() : String(v >>> 0),
    }));
    answers.push({ status: 'return', values });
  }
  return stubbed ? { status: 'ran', calls: answers, imports: stubs } : { status: 'ran', calls: answers };
}
