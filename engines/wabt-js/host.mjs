// wasm-matrix host for wabt.js (WABT compiled to wasm, the npm package `wabt`): a validator
// only. `run` answers {"status": "valid"} when readWasm + validate accept the module, and a
// compile-stage reject with WABT's error otherwise; nothing is ever executed.
//
//   node host.mjs --env ENV_FOLDER [--disable FEATURE]...

import { createRequire } from 'node:module';
import path from 'node:path';

import { detectFeatures } from '../browser/features.mjs';
import { packageVersion, parseArguments, serve } from '../browser/serve.mjs';

// Our feature names → WABT's feature flags (what the constructor Features() takes).
const FLAGS = {
  'mutable-globals': ['mutable_globals'],
  'sign-ext': ['sign_extension'],
  'nontrapping-fptoint': ['sat_float_to_int'],
  multivalue: ['multi_value'],
  'bulk-memory': ['bulk_memory'],
  'reference-types': ['reference_types', 'function_references'],
  simd128: ['simd'],
  'tail-call': ['tail_call'],
  'extended-const': ['extended_const'],
  exceptions: ['exceptions'],
  gc: ['gc'],
  memory64: ['memory64'],
  threads: ['threads'],
  'multi-memory': ['multi_memory'],
  'relaxed-simd': ['relaxed_simd'],
};
// Switching a feature off switches off what builds on it (matrix/profiles.py's `requires`).
const DEPENDENTS = { 'reference-types': ['exceptions', 'gc'], simd128: ['relaxed-simd'] };

const options = parseArguments();
const envFolder = options.env ?? process.cwd();
const unknown = options.disable.filter((name) => !(name in FLAGS));
if (unknown.length) {
  process.stderr.write(`wabt-js cannot switch off ${unknown.join(', ')}\n`);
  process.exit(1);
}

// WABT's own defaults, minus what this configuration switches off.
const flags = {};
for (const name of options.disable) {
  for (const off of [name, ...(DEPENDENTS[name] ?? [])]) {
    for (const flag of FLAGS[off]) flags[flag] = false;
  }
}

const require = createRequire(path.join(envFolder, 'node_modules', '.resolve'));
const wabt = await require('wabt')();

function validate(bytes) {
  let module;
  try {
    module = wabt.readWasm(bytes, flags);
    module.validate(flags);
  } finally {
    module?.destroy();
  }
}

// "readWasm failed:\n0000052: error: …\n…" → its heading and the first error.
function wabtMessage(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    // WABT's own wasm aborted: its memory can no longer be trusted, so this host ends.
    process.stderr.write(`wabt.js aborted: ${error.message}\n`);
    process.exit(1);
  }
  const lines = String(error?.message ?? error).split('\n').filter(Boolean);
  return lines.slice(0, 2).join(' ');
}

function run(bytes) {
  try {
    validate(bytes);
    return { status: 'valid' };
  } catch (error) {
    return { status: 'reject', stage: 'compile', message: wabtMessage(error) };
  }
}

await serve({
  handshake: () => ({
    engine: 'wabt-js',
    version: packageVersion(envFolder, 'wabt'),
    validator_only: true,
    features: detectFeatures((bytes) => (validate(bytes), true)),
    disabled: options.disable,
  }),
  run,
  close: () => {},
});
