// wasm-matrix host for a browser's WebAssembly engine: SpiderMonkey in Firefox, V8 in
// Chromium. Node drives the system browser, headless, through puppeteer-core (installed
// into the build's environment folder); one browser per host, kept warm; modules run in
// an about:blank page and every value crosses as bits (the JS core's trampolines).
//
//   node host.mjs --browser firefox|chromium --env ENV_FOLDER [--executable PATH]
//                 [--disable FEATURE]...

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { featureModulesHex } from './features.mjs';
import { firstLine, importFrom, packageVersion, parseArguments, serve } from './serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BROWSERS = {
  firefox: {
    programs: ['firefox-esr', 'firefox'],
    puppeteer: 'firefox',
    // Prefs that really switch a wasm feature off (others have no pref any more).
    switches: { 'relaxed-simd': { 'javascript.options.wasm_relaxed_simd': false } },
  },
  chromium: {
    programs: ['chromium', 'chromium-browser'],
    puppeteer: 'chrome',
    switches: {}, // V8 has no flags left for the wasm features it ships
  },
};
const CHROMIUM_ARGS = [
  '--no-sandbox', // we are often root in a container
  '--disable-gpu',
  // No network here: keep the browser from trying (and logging refused connections).
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
];
const NO_TIMEOUT = 2 ** 31 - 1; // ms: the runner times cells out by killing the host

const options = parseArguments();
const kind = BROWSERS[options.browser];
if (!kind) fail(`--browser must be one of ${Object.keys(BROWSERS).join(', ')}`);
const unknown = options.disable.filter((name) => !(name in kind.switches));
if (unknown.length) fail(`${options.browser} cannot switch off ${unknown.join(', ')}`);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function findProgram(names) {
  for (const folder of (process.env.PATH || '/usr/bin:/bin').split(':')) {
    for (const name of names) {
      const candidate = path.join(folder, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

const executable = options.executable ?? findProgram(kind.programs);
if (!executable) {
  fail(
    `${options.browser} is not installed (looked for ${kind.programs.join(', ')} on PATH); ` +
      `get it with: apt-get install ${kind.programs[0]}`,
  );
}

// The watchdog kills the browser and removes the profile even if we are SIGKILLed.
const watchdog = spawn(process.execPath, [path.join(HERE, 'watchdog.mjs')], {
  stdio: ['pipe', 'ignore', 'inherit'],
  detached: true,
});
watchdog.unref();
const tell = (line) => watchdog.stdin.write(`${line}\n`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `wasm-matrix-${options.browser}-`));
tell(`dir ${scratch}`);

const envFolder = options.env ?? process.cwd();
const { module: loaded } = await importFrom(envFolder, 'puppeteer-core');
const puppeteer = loaded.default ?? loaded;
const prefs = Object.assign({}, ...options.disable.map((name) => kind.switches[name]));
let browser;
try {
  browser = await puppeteer.launch({
    browser: kind.puppeteer,
    executablePath: executable,
    headless: true,
    userDataDir: path.join(scratch, 'profile'),
    ...(kind.puppeteer === 'chrome' ? { args: CHROMIUM_ARGS, pipe: true } : {}),
    ...(kind.puppeteer === 'firefox' ? { extraPrefsFirefox: prefs } : {}),
    // The scrubbed environment has no HOME; the browser gets the scratch folder.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, TMPDIR: os.tmpdir() },
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    protocolTimeout: NO_TIMEOUT,
  });
} catch (error) {
  fail(`${options.browser} (${executable}) did not start: ${firstLine(error)}`);
}
tell(`pid ${browser.process()?.pid ?? 0}`);
let closing = false;
browser.on('disconnected', () => {
  if (!closing) fail(`${options.browser} went away (the browser crashed or was killed)`);
});
const page = (await browser.pages())[0] ?? (await browser.newPage());
page.on('error', (error) => fail(`the page crashed: ${firstLine(error)}`));

const versionText = await browser.version(); // "HeadlessChrome/156.0…", "firefox/153.7.0esr"
const version = versionText.split('/').pop();

async function engineVersion() {
  // SpiderMonkey's version is Gecko's, the browser's own.
  if (kind.puppeteer === 'firefox') return `SpiderMonkey ${version.replace(/esr$/, '')}`;
  const session = await browser.target().createCDPSession();
  const { jsVersion } = await session.send('Browser.getVersion');
  await session.detach();
  return `V8 ${jsVersion}`;
}

// The page's own answer for each feature: does it validate the smallest module using it?
const detected = await page.evaluate((modules) => {
  const bytesOf = (hex) => Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
  return Object.fromEntries(
    Object.entries(modules).map(([name, hex]) => [name, WebAssembly.validate(bytesOf(hex))]),
  );
}, featureModulesHex());
const handshake = {
  engine: options.browser,
  version,
  engine_version: await engineVersion(),
  driver: `puppeteer-core ${packageVersion(envFolder, 'puppeteer-core')}`,
  features: detected,
  disabled: options.disable,
  wasi: 'shim', // wasm-matrix's own WASI (../js/wasi_shim.js), run inside the page
};

// The JS host core (../js/: binary.js, traps.js, stubs.js, core.js) and wasm-matrix's WASI
// shim (wasi_tree.js, wasi_shim.js) run inside the page, for every command: the browser's
// own engine does the work, every value crosses as bits through the core's trampolines,
// and the answers are the core's.
const CORE = ['binary.js', 'traps.js', 'stubs.js', 'core.js', 'wasi_tree.js', 'wasi_shim.js']
  .map((file) => fs.readFileSync(path.join(HERE, '..', 'js', file), 'utf8'))
  .join('\n');
const JS_ENGINE = { firefox: 'spidermonkey', chromium: 'v8' }[options.browser];
let coreLoaded = false;

async function inPage(request) {
  try {
    if (!coreLoaded) {
      await page.evaluate(CORE);
      coreLoaded = true;
    }
    const line = await page.evaluate(
      async (text, engine) => {
        // ESM integration probes: the page imports the module from a blob: URL of type
        // application/wasm; a probe that waits for a promise answers when it settles.
        const importModule = (bytes) => import(URL.createObjectURL(new Blob([bytes], { type: 'application/wasm' })));
        // compileAsync: Chromium refuses to compile over 8 MB synchronously on the main thread.
        const options = { engine, canAwait: true, importModule, compileAsync: true };
        const core = globalThis.WasmMatrix;
        globalThis.pageHost ??= core.createHost(() => ({}), [], globalThis.WasmMatrixWasiShim.provider(), options);
        return await globalThis.pageHost.handle(text).line;
      },
      JSON.stringify(request),
      JS_ENGINE,
    );
    const { seq, ...answer } = JSON.parse(line);
    return answer;
  } catch (error) {
    if (!browser.connected || page.isClosed()) fail(`the page went away: ${firstLine(error)}`);
    throw error;
  }
}

// Cells go to the core as the runner sent them: `run` (a WASI program's too: the page has
// no files, so everything the cell grants comes inline; a JS-API probe's too) and `load`.
const run = (bytes, calls, request) => inPage({ ...request, cmd: 'run' });
const load = (bytes, calls, request) => inPage({ ...request, cmd: 'load' });
const script = (directives, carryOn) => inPage({ cmd: 'script', directives, continue: carryOn });

async function close() {
  closing = true;
  await Promise.race([browser.close(), new Promise((done) => setTimeout(done, 5000))]);
  try {
    process.kill(-browser.process().pid, 'SIGKILL'); // anything browser.close() left behind
  } catch {
    // gone already
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  watchdog.stdin.end();
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => close().finally(() => process.exit(1)));
}

await serve({ handshake: () => handshake, run, load, script, close });
