// The protocol loop (engines/protocol.md) for hosts written in JavaScript under node.
// A host module calls serve() with its own handshake, run and close functions.

import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

// Keep the protocol channel for ourselves: whatever else writes to stdout goes to stderr.
const answerWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (...args) => process.stderr.write(...args);
console.log = console.info = console.debug = console.error;

/** The command line: --disable NAME (repeated) and --name value options. */
export function parseArguments(argv = process.argv.slice(2)) {
  const options = { disable: [] };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    if (key === 'disable') options.disable.push(value);
    else options[key] = value;
  }
  return options;
}

/** Load a package from the build's environment folder (where provisioning installed it). */
export async function importFrom(envFolder, name) {
  const require = createRequire(path.join(envFolder, 'node_modules', '.resolve'));
  const entry = require.resolve(name);
  return { module: await import(pathToFileURL(entry).href), entry, require };
}

/** The version in an installed package's package.json. */
export function packageVersion(envFolder, name) {
  const require = createRequire(path.join(envFolder, 'node_modules', '.resolve'));
  return require(`${name}/package.json`).version;
}

/** The first line of an error's message: the engine's words, no stack trace. */
export function firstLine(error) {
  const text = String(error?.message ?? error).trim();
  return text.split('\n')[0];
}

/**
 * Answer requests until stdin closes or `stop` arrives.
 * host: { handshake(): object, run(bytes, calls, request): answer, close(): void, and
 * optionally script(directives, carryOn): answer and load(bytes, calls, request): answer },
 * each may be async; bytes is the module as a Uint8Array of its own.
 */
export async function serve(host) {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request = {};
    let answer;
    try {
      request = JSON.parse(line);
      answer = await handle(host, request);
    } catch (error) {
      answer = { status: 'error', message: String(error?.stack ?? error) };
    }
    answerWrite(`${JSON.stringify({ ...answer, seq: request.seq ?? null })}\n`);
    if (request.cmd === 'stop') break;
  }
  await host.close();
  process.exit(0);
}

/** A script on a validator-only host: each module validated; nothing else can be done. */
async function validateScript(host, directives) {
  const answers = [];
  for (const directive of directives) {
    if (directive.do !== 'module') {
      answers.push({ status: 'unsupported', message: 'a validator-only engine runs no code' });
      continue;
    }
    const answer = await host.run(new Uint8Array(Buffer.from(directive.module, 'base64')), [], directive);
    answers.push(
      answer.status === 'valid' || answer.status === 'reject'
        ? { status: answer.status, ...(answer.status === 'reject' ? { stage: answer.stage, message: answer.message } : {}) }
        : { status: 'error', message: answer.message ?? JSON.stringify(answer) },
    );
  }
  return answers;
}

async function handle(host, request) {
  switch (request.cmd) {
    case 'start': {
      const handshake = await host.handshake();
      // A validator-only host runs scripts as far as validating goes (protocol.md, "Scripts").
      return {
        language: 'javascript',
        language_version: process.versions.node,
        ...handshake,
        ...(handshake.validator_only || host.script ? { script: true } : {}),
      };
    }
    case 'script':
      if (host.script) return host.script(request.directives ?? [], request.continue === true);
      return { status: 'ran', answers: await validateScript(host, request.directives ?? []) };
    case 'run':
      // A copy of its own: a small Buffer is a view into a shared pool, which libraries
      // that read `.buffer` (wabt.js) would misread.
      return host.run(new Uint8Array(Buffer.from(request.module, 'base64')), request.calls ?? [], request);
    case 'load': {
      // Instantiate against generated imports (protocol.md, "Load"). A validator-only host
      // has no `load`: it validates, and says so (`valid`), as for `run`.
      const bytes = new Uint8Array(Buffer.from(request.module, 'base64'));
      if (host.load) return host.load(bytes, request.calls ?? [], request);
      return host.run(bytes, [], request);
    }
    case 'stop':
      return { status: 'stopped' };
    default:
      return { status: 'error', message: `unknown command ${JSON.stringify(request.cmd)}` };
  }
}
