// Outlives the host to clean up after it. The host writes "dir PATH" (a profile folder)
// and "pid N" (a browser) lines to our stdin; when that pipe closes (the host exited, or
// was killed with SIGKILL on a timeout) we kill each browser's process group and remove
// its profile. No orphan browsers.

import fs from 'node:fs';

let pending = '';
const pids = [];
const folders = [];
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) {
    const [what, ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (what === 'dir' && value) folders.push(value);
    // Only a real pid: kill(-0) would be our own process group.
    if (what === 'pid' && Number(value) > 1) pids.push(Number(value));
  }
});
process.stdin.on('end', () => {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL'); // the browser leads its own process group
    } catch {
      // already gone
    }
  }
  // Give the killed processes a moment to let go of their profile files.
  setTimeout(() => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
    process.exit(0);
  }, 300);
});
