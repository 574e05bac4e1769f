// Just enough of the binary format for a browser host: the signatures of a module's
// exported functions (the JS API does not expose them), and a trampoline module that calls
// such a function with bit patterns in and out.
//
// Why a trampoline: a float that crosses into JavaScript may lose its NaN payload
// (SpiderMonkey canonicalizes NaNs it boxes; f32 signalling NaNs are quieted when widened).
// The trampoline imports the exported function and passes f32/f64 as i32/i64 bits, so
// values travel wasm-to-wasm and reach the page as exact integers (i64 as BigInt).

const NUMERIC = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };
const CODE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };
const WIRE = { i32: 'i32', i64: 'i64', f32: 'i32', f64: 'i64' };

class Reader {
  constructor(bytes, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.at = start;
    this.end = end;
  }

  byte() {
    if (this.at >= this.end) throw new Error('unexpected end of section');
    return this.bytes[this.at++];
  }

  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
      if (shift > 70) throw new Error('LEB128 too long');
    }
  }

  skipLeb() {
    this.u32();
  }

  name() {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }

  valueType() {
    const b = this.byte();
    if (b in NUMERIC) return NUMERIC[b];
    if (b === 0x64 || b === 0x63) this.skipLeb(); // (ref ht) / (ref null ht): a heap type
    return 'ref';
  }

  storageType() {
    const b = this.bytes[this.at];
    if (b === 0x78 || b === 0x77) {
      this.at++;
      return 'packed';
    }
    return this.valueType();
  }

  vector(read) {
    const count = this.u32();
    const items = [];
    for (let i = 0; i < count; i++) items.push(read());
    return items;
  }

  limits() {
    const flags = this.byte();
    this.skipLeb();
    if (flags & 1) this.skipLeb();
    if (flags & 8) this.skipLeb(); // custom page size
  }
}

// One sub type (or plain composite type); only function types are kept.
function readSubType(r) {
  let form = r.byte();
  if (form === 0x50 || form === 0x4f) {
    r.vector(() => r.u32());
    form = r.byte();
  }
  if (form === 0x60) {
    const params = r.vector(() => r.valueType());
    const results = r.vector(() => r.valueType());
    return { params, results };
  }
  if (form === 0x5f) {
    r.vector(() => [r.storageType(), r.byte()]);
    return null;
  }
  if (form === 0x5e) {
    r.storageType();
    r.byte();
    return null;
  }
  if (form === 0x5d) {
    r.skipLeb(); // a continuation type
    return null;
  }
  throw new Error(`unknown type form 0x${form.toString(16)}`);
}

function readTypes(r) {
  const types = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    if (r.bytes[r.at] === 0x4e) {
      r.at++;
      const members = r.u32();
      for (let j = 0; j < members; j++) types.push(readSubType(r));
    } else {
      types.push(readSubType(r));
    }
  }
  return types;
}

/** Map of export name → {params, results} for every exported function. Throws if unreadable. */
export function exportedSignatures(bytes) {
  const r = new Reader(bytes, 8);
  let types = [];
  const functionTypes = []; // type index of each function, imports first
  const exports = new Map();
  while (r.at < r.end) {
    const id = r.byte();
    const size = r.u32();
    const section = new Reader(bytes, r.at, r.at + size);
    r.at += size;
    if (id === 1) types = readTypes(section);
    else if (id === 2) {
      section.vector(() => {
        section.name();
        section.name();
        const kind = section.byte();
        if (kind === 0) functionTypes.push(section.u32());
        else if (kind === 1) (section.valueType(), section.limits());
        else if (kind === 2) section.limits();
        else if (kind === 3) (section.valueType(), section.byte());
        else if (kind === 4) (section.byte(), section.u32());
        else throw new Error(`unknown import kind ${kind}`);
      });
    } else if (id === 3) functionTypes.push(...section.vector(() => section.u32()));
    else if (id === 7) {
      section.vector(() => {
        const name = section.name();
        const kind = section.byte();
        const index = section.u32();
        if (kind === 0) exports.set(name, types[functionTypes[index]] ?? null);
      });
    }
  }
  return exports;
}

const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const vec = (items) => [...leb(items.length), ...items.flat()];
const section = (id, body) => [id, ...leb(body.length), ...body];
const funcType = (params, results) => [
  0x60,
  ...vec(params.map((t) => [CODE[t]])),
  ...vec(results.map((t) => [CODE[t]])),
];
const name = (text) => vec([...new TextEncoder().encode(text)].map((b) => [b]));

/** The wire types (what crosses into JS) of a signature's values. */
export const wireTypes = (types) => types.map((t) => WIRE[t]);

/** A module importing m.f of this signature and exporting `c`: the same call on bit patterns. */
export function trampoline(params, results) {
  const body = [];
  params.forEach((t, i) => {
    body.push(0x20, ...leb(i)); // local.get i
    if (t === 'f32') body.push(0xbe); // f32.reinterpret_i32
    if (t === 'f64') body.push(0xbf); // f64.reinterpret_i64
  });
  body.push(0x10, 0); // call the import
  // The results sit on the stack, last on top: park them in locals, then reload as bits.
  for (let j = results.length - 1; j >= 0; j--) body.push(0x21, ...leb(params.length + j));
  results.forEach((t, j) => {
    body.push(0x20, ...leb(params.length + j));
    if (t === 'f32') body.push(0xbc); // i32.reinterpret_f32
    if (t === 'f64') body.push(0xbd); // i64.reinterpret_f64
  });
  body.push(0x0b);
  const locals = vec(results.map((t) => [1, CODE[t]]));
  const code = [...locals, ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([funcType(params, results), funcType(wireTypes(params), wireTypes(results))])),
    ...section(2, vec([[...name('m'), ...name('f'), 0x00, 0x00]])),
    ...section(3, vec([[1]])),
    ...section(7, vec([[...name('c'), 0x00, 1]])),
    ...section(10, vec([[...leb(code.length), ...code]])),
  ]);
}
