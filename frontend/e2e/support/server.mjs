// Starts the real `taskflow up` on a free port with a fresh data directory, and stops it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
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

/** `extraEnv`: settings for this server only (e.g. a model through `startAnthropicReplay`). */
export async function startServer({ timeoutMs = 180_000, extraEnv = {} } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'taskflow-e2e-'));
  const bin = process.env.TASKFLOW_BIN || join(repoRoot, '.venv', 'bin', 'taskflow');
  const env = { ...process.env, WEB_DIST: join(frontend, 'dist'), LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARNING' };
  // No model key unless a test gives one (a replay of recorded answers): the assistant must
  // then answer 503 with how to configure it, and no test ever calls (or pays for) a model.
  delete env.ANTHROPIC_API_KEY;
  delete env.ANTHROPIC_BASE_URL;
  Object.assign(env, extraEnv);
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

/**
 * Recorded Anthropic answers served over HTTP (backend/testing/anthropic_replay.py), and the
 * settings that point a TaskFlow at them.
 */
export async function startAnthropicReplay(recording, { timeoutMs = 30_000 } = {}) {
  const port = await freePort();
  const python = join(repoRoot, '.venv', 'bin', 'python');
  const child = spawn(python, ['-m', 'backend.testing.anthropic_replay', recording, '--port', String(port)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Anthropic replay exited (${child.exitCode}):\n${output}`);
    const listening = await new Promise((ok) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        ok(true);
      });
      socket.on('error', () => ok(false));
    });
    if (listening) break;
    if (Date.now() > deadline) throw new Error(`the Anthropic replay did not listen in ${timeoutMs} ms:\n${output}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  async function stop() {
    if (child.exitCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    }
  }
  const env = { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`, ANTHROPIC_API_KEY: 'sk-ant-api03-replay' };
  return { env, stop, log: () => output };
}
