// Starts the real `taskflow up` on a free port with a fresh data directory, and stops it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const frontend = resolve(new URL('../..', import.meta.url).pathname);
export const repoRoot = resolve(frontend, '..');

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

export async function startServer({ timeoutMs = 180_000 } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'taskflow-e2e-'));
  const bin = process.env.TASKFLOW_BIN || join(repoRoot, '.venv', 'bin', 'taskflow');
  const env = { ...process.env, WEB_DIST: join(frontend, 'dist'), LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARNING' };
  // No model key: the assistant must answer 503 with how to configure it, and no test ever
  // calls (or pays for) a model.
  delete env.ANTHROPIC_API_KEY;
  const child = spawn(bin, ['up', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`taskflow up did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      if (/running at/i.test(output)) {
        clearTimeout(timer);
        ok(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(new Error(`could not run ${bin}: ${err.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`taskflow up exited (${code}) before it was ready:\n${output}`));
    });
  });
  const log = () => output;
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));

  async function stop() {
    if (child.exitCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { url, port, stop, log };
}
