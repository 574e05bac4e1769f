// Which features a configuration has on, asked of the engine itself: for each feature the
// smallest module (after the 8-byte header) that needs it; the feature is on when the
// engine validates that module. The same probes as engines/js/core.js.

export const FEATURE_MODULES = {
  'mutable-globals': '0606017f0141000b07050101670300',
  'sign-ext': '0105016000017f030201000a070105004100c00b',
  'nontrapping-fptoint': '0105016000017f030201000a0b0109004300000000fc000b',
  multivalue: '0106016000027f7f030201000a08010600410041000b',
  'bulk-memory': '0104016000000302010005030100010a0d010b00410041004100fc0b000b',
  'reference-types': '0105016000016f030201000a06010400d06f0b',
  simd128: '0105016000017b030201000a16011400fd0c000000000000000000000000000000000b',
  'relaxed-simd':
    '0105016000017b030201000a19011700fd0c00000000000000000000000000000000fd81020b',
  'tail-call': '010401600000030201000a0601040012000b',
  'extended-const': '0609017f00410141026a0b',
  exceptions: '010401600000030201000a0d010b0002401f400102000b0b0b',
  gc: '0107025f006000016c030201010a080106004100fb1c0b',
  memory64: '0503010401',
  'multi-memory': '05050200010001',
  threads: '0105016000017f030201000504010301010a0a0108004100fe1002000b',
};

/** The probe modules as whole modules, hex. */
export const featureModulesHex = () =>
  Object.fromEntries(
    Object.entries(FEATURE_MODULES).map(([name, hex]) => [name, `0061736d01000000${hex}`]),
  );

/** {feature: bool} from validate(bytes) → bool (a throw counts as false). */
export function detectFeatures(validate) {
  const features = {};
  for (const [name, hex] of Object.entries(featureModulesHex())) {
    try {
      features[name] = Boolean(validate(new Uint8Array(Buffer.from(hex, 'hex'))));
    } catch {
      features[name] = false;
    }
  }
  return features;
}
