// Shim for the chromium series (`wasm-matrix since`): npm's `@sparticuz/chromium` ships one
// Chromium release per package version as a brotli-compressed headless shell. Its own
// code unpacks it into the temporary folder: here a folder of this host's own, removed when
// the host ends (an unpacked release takes about 170 MB, the package about 60 MB, and a
// search visits dozens of releases). Then the shared browser host (../browser/host.mjs)
// drives it as it drives Debian's chromium.
//
//   node sparticuz.mjs --env ENV_FOLDER [--disable FEATURE]...

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { importFrom, parseArguments } from '../browser/serve.mjs';

const options = parseArguments();
const envFolder = options.env;
if (!envFolder) {
  process.stderr.write('sparticuz.mjs needs --env\n');
  process.exit(1);
}
const PREFIX = 'wasm-matrix-sparticuz-';

// Folders of hosts that were killed (a timeout's SIGKILL leaves no time to clean up).
function removeOrphans() {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!name.startsWith(PREFIX) || !pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if (error.code === 'ESRCH') fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

// The package's promise can settle before its write stream has closed the binary; starting
// it then fails with ETXTBSY (measured with 92). Wait until no descriptor of ours names it.
async function closed(file) {
  for (let waited = 0; waited < 30000; waited += 50) {
    const open = fs.readdirSync('/proc/self/fd').some((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false; // closed while we looked
      }
    });
    if (!open) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${file} is still open for writing after 30 s`);
}

async function unpack() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
  process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
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
    await closed(found);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  return scratch;
}

let unpacked;
try {
  removeOrphans();
  unpacked = await unpack();
} catch (error) {
  process.stderr.write(`@sparticuz/chromium could not be unpacked: ${error?.message ?? error}\n`);
  process.exit(1);
}
// Its shared libraries (SwiftShader's GL, and for some releases NSS) sit beside the binary.
process.env.LD_LIBRARY_PATH = [unpacked, path.join(unpacked, 'lib'), process.env.LD_LIBRARY_PATH]
  .filter(Boolean)
  .join(':');
process.argv.push('--executable', path.join(unpacked, 'chromium'));
await import('../browser/host.mjs');
