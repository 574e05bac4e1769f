// wasm-matrix host for binaryen.js (Binaryen compiled to wasm, the npm package `binaryen`):
// a validator only. `run` answers {"status": "valid"} when readBinary + validate accept the
// module under this configuration's features, and a compile-stage reject with Binaryen's
// own message otherwise; nothing is ever executed.
//
//   node host.mjs --env ENV_FOLDER [--disable FEATURE]...

import { detectFeatures } from '../browser/features.mjs';
import { firstLine, importFrom, packageVersion, parseArguments, serve } from '../browser/serve.mjs';

// Our feature names → binaryen.Features flag names.
const FLAGS = {
  'mutable-globals': ['MutableGlobals'],
  'sign-ext': ['SignExt'],
  'nontrapping-fptoint': ['NontrappingFPToInt'],
  multivalue: ['Multivalue'],
  'bulk-memory': ['BulkMemory', 'BulkMemoryOpt'],
  'reference-types': ['ReferenceTypes'],
  'call-indirect-overlong': ['CallIndirectOverlong'],
  simd128: ['SIMD128'],
  'tail-call': ['TailCall'],
  'extended-const': ['ExtendedConst'],
  exceptions: ['ExceptionHandling'],
  gc: ['GC'],
  memory64: ['Memory64'],
  threads: ['Atomics'],
  'multi-memory': ['MultiMemory'],
  'relaxed-simd': ['RelaxedSIMD'],
};
// Switching a feature off switches off what builds on it (matrix/profiles.py's `requires`).
const DEPENDENTS = {
  'reference-types': ['call-indirect-overlong', 'exceptions', 'gc'],
  simd128: ['relaxed-simd'],
};

const options = parseArguments();
const envFolder = options.env ?? process.cwd();
const unknown = options.disable.filter((name) => !(name in FLAGS));
if (unknown.length) {
  process.stderr.write(`binaryen-js cannot switch off ${unknown.join(', ')}\n`);
  process.exit(1);
}

const { module: loaded } = await importFrom(envFolder, 'binaryen');
const binaryen = loaded.default ?? loaded;
const { Features } = binaryen;

// Everything Binaryen knows, minus what this configuration switches off. Binaryen's own
// extras (strings, stack switching, fp16, …) build on features of ours and go with any
// switch, so that the set stays one Binaryen accepts.
let features = Features.All;
if (options.disable.length) {
  features = Object.values(FLAGS)
    .flat()
    .reduce((mask, flag) => mask | Features[flag], Features.MVP);
  for (const name of options.disable) {
    for (const off of [name, ...(DEPENDENTS[name] ?? [])]) {
      for (const flag of FLAGS[off]) features &= ~Features[flag];
    }
  }
}

// Binaryen prints validation errors rather than returning them: catch what it writes.
function capturingStderr(action) {
  const write = process.stderr.write;
  const caught = [];
  process.stderr.write = (chunk) => (caught.push(String(chunk)), true);
  try {
    return { result: action(), text: caught.join('') };
  } finally {
    process.stderr.write = write;
  }
}

// "[wasm-validator error in function 0] unexpected false: …, on\n(expression…)": the
// first error line, without the expression it prints after it (and without warnings).
function validatorError(text) {
  const lines = text.split('\n');
  const error = lines.find((line) => line.includes('error')) ?? lines.find(Boolean);
  return (error ?? 'validation failed').trim().replace(/,\s*on$/, '');
}

// Binaryen writes a refused binary's reason ("[parse exception: …]") without a newline,
// and its stderr keeps a line until its newline comes: left there, the reason would come
// out with the next module's messages, in another cell. Validating this invalid module
// (an i32 body in a function that returns nothing) writes a whole line and so lets it out.
const FLUSHER = new binaryen.Module();
FLUSHER.addFunction('flush', binaryen.none, binaryen.none, [], FLUSHER.i32.const(0));
const FLUSHED = '[wasm-validator error in function flush]';

function readBinary(bytes) {
  const { result, text } = capturingStderr(() => {
    try {
      return { module: binaryen.readBinary(bytes, features) };
    } catch (error) {
      FLUSHER.validate();
      return { error };
    }
  });
  if (result.error) {
    const reason = text.slice(0, text.indexOf(FLUSHED)).trim();
    throw reason ? new Error(`${firstLine(result.error)}: ${reason}`) : result.error;
  }
  return result.module;
}

// Throws with Binaryen's message when the module is refused.
function validate(bytes) {
  const module = readBinary(bytes);
  try {
    const { result: valid, text } = capturingStderr(() => {
      module.setFeatures(features);
      return module.validate();
    });
    if (!valid) throw new Error(validatorError(text));
  } finally {
    module.dispose();
  }
}

function run(bytes) {
  try {
    validate(bytes);
    return { status: 'valid' };
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      // Binaryen's own wasm aborted: its memory can no longer be trusted, so this host ends.
      process.stderr.write(`binaryen.js aborted: ${error.message}\n`);
      process.exit(1);
    }
    return { status: 'reject', stage: 'compile', message: firstLine(error) };
  }
}

await serve({
  handshake: () => ({
    engine: 'binaryen-js',
    version: packageVersion(envFolder, 'binaryen'),
    validator_only: true,
    features: detectFeatures((bytes) => (validate(bytes), true)),
    disabled: options.disable,
  }),
  run,
  close: () => {},
});
