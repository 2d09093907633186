// The end-to-end harness: a fresh fake Seedance service, a fresh data folder and a fresh
// tauri-driver per scenario, the built app in a real WebKit window (Xvfb provides the
// display), and helpers that find controls the way a person does: by role and name.
//
// Invariant: nothing here talks to the real service. The app is pointed at the fake
// through SEEDANCE_API_BASE, which the driver passes down to the app it launches.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { remote } from 'webdriverio';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
export const appBinary = process.env.SEEDANCE_APP_BINARY ?? join(targetDir, 'debug', 'seedance-studio');
export const fakeBinary = join(targetDir, 'debug', 'fake-seedance');
export const artifactsDir = join(repoRoot, 'e2e-artifacts');

let nextPort = 4444 + (process.pid % 200) * 2;

/** Starts the fake service; resolves once it prints its URL. */
export async function startFake({ timeScale = 0.01, args = [] } = {}) {
  if (!existsSync(fakeBinary)) throw new Error(`fake service not built: ${fakeBinary}`);
  const child = spawn(fakeBinary, ['--port', '0', '--time-scale', String(timeScale), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const baseUrl = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('fake service did not start within 20 s')), 20_000);
    child.once('exit', (code) => fail(new Error(`fake service exited with ${code}`)));
    lines.on('line', (line) => {
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); ok(match[1]); }
    });
  });
  const origin = new URL(baseUrl).origin;
  const admin = async (path, body) => {
    const response = await fetch(`${origin}/__admin/${path}`, body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`admin ${path}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  return {
    baseUrl,
    origin,
    admin,
    stats: () => admin('stats'),
    stop: () => { child.kill('SIGTERM'); },
  };
}

/** A fresh data folder (ledger, preferences) and library folder for one scenario. */
export function freshDataDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `seedance-e2e-${name}-`));
  mkdirSync(join(dir, 'library'), { recursive: true });
  return dir;
}

/**
 * Launches the app through tauri-driver and opens a WebDriver session on its window.
 * `env` reaches the app: tauri-driver and WebKitWebDriver pass their environment down.
 */
export async function launchApp({ fake, dataDir, env = {} }) {
  if (!existsSync(appBinary)) throw new Error(`app not built: ${appBinary}`);
  const port = nextPort;
  nextPort += 2;
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      SEEDANCE_API_BASE: fake.baseUrl,
      SEEDANCE_DATA_DIR: dataDir,
      SEEDANCE_LIBRARY_DIR: join(dataDir, 'library'),
      RUST_LOG: process.env.RUST_LOG ?? 'info',
      ...env,
    },
  });
  await waitForPort(port, 15_000);
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 1,
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: appBinary },
    },
  });
  const session = {
    browser,
    driver,
    async close() {
      try { await browser.deleteSession(); } catch { /* the app may already be gone */ }
      driver.kill('SIGTERM');
      await new Promise((ok) => { if (driver.exitCode !== null) ok(); else driver.once('exit', ok); });
    },
  };
  return session;
}

/** The app's process id, found by the data folder it was given (for the kill test). */
export function appPidsFor(dataDir) {
  let out = '';
  try { out = execFileSync('pgrep', ['-f', appBinary], { encoding: 'utf8' }); } catch { return []; }
  return out.split('\n').filter(Boolean).map(Number).filter((pid) => {
    try {
      const environ = execFileSync('cat', [`/proc/${pid}/environ`], { encoding: 'latin1' });
      return environ.split('\0').includes(`SEEDANCE_DATA_DIR=${dataDir}`);
    } catch { return false; }
  });
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) return;
    } catch { /* not up yet */ }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within ${timeoutMs} ms`);
}

/** Waits until `predicate` returns a truthy value; fails with `what` after the timeout. */
export async function until(predicate, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (error) { last = error; }
    await new Promise((ok) => setTimeout(ok, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

/** Saves a screenshot named after the scenario when it failed. */
export async function screenshotOnFailure(t, browser) {
  if (!browser) return;
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  try { await browser.saveScreenshot(file); console.error(`screenshot: ${file}`); } catch { /* window gone */ }
}
