// Shim for the chromium series (`wasm-matrix since`): npm's `@sparticuz/chromium` ships one
// Chromium release per package version as a brotli-compressed headless shell. Its own
// code unpacks it into the temporary folder; here that folder is the build's environment,
// once (to a fresh folder, renamed into place, so that parallel hosts never share a half
// written binary). Then the shared browser host (../browser/host.mjs) drives it as it
// drives Debian's chromium.
//
//   node sparticuz.mjs --env ENV_FOLDER [--disable FEATURE]...

import fs from 'node:fs';
import path from 'node:path';

import { importFrom, parseArguments } from '../browser/serve.mjs';

const options = parseArguments();
const envFolder = options.env;
if (!envFolder) {
  process.stderr.write('sparticuz.mjs needs --env\n');
  process.exit(1);
}
const unpacked = path.join(envFolder, 'unpacked');

async function unpack() {
  const scratch = fs.mkdtempSync(path.join(envFolder, 'unpacking-'));
  // The package inflates into os.tmpdir(), which reads TMPDIR on every call.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  try {
    const { module } = await importFrom(envFolder, '@sparticuz/chromium');
    const chromium = module.default ?? module;
    // A function from 110 on; older releases have a getter that is a promise.
    const found =
      typeof chromium.executablePath === 'function'
        ? await chromium.executablePath()
        : await chromium.executablePath;
    if (path.dirname(found) !== scratch) throw new Error(`unpacked to ${found}, not ${scratch}`);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  try {
    fs.renameSync(scratch, unpacked);
  } catch (error) {
    // Another host was quicker: keep its copy.
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!fs.existsSync(unpacked)) throw error;
  }
}

if (!fs.existsSync(path.join(unpacked, 'chromium'))) {
  try {
    await unpack();
  } catch (error) {
    process.stderr.write(`@sparticuz/chromium could not be unpacked: ${error?.message ?? error}\n`);
    process.exit(1);
  }
}
// Its shared libraries (SwiftShader's GL, and for some releases NSS) sit beside the binary.
process.env.LD_LIBRARY_PATH = [unpacked, path.join(unpacked, 'lib'), process.env.LD_LIBRARY_PATH]
  .filter(Boolean)
  .join(':');
process.argv.push('--executable', path.join(unpacked, 'chromium'));
await import('../browser/host.mjs');
