// The end-to-end harness: a fresh fake Seedance service, a fresh data folder and a fresh
// tauri-driver per scenario, the built app in a real WebKit window (Xvfb provides the
// display), and helpers that find controls the way a person does: by role and name.
//
// Invariant: nothing here talks to the real service. The app is pointed at the fake
// through SEEDANCE_API_BASE, which the driver passes down to the app it launches.

import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { remote } from 'webdriverio';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
export const appBinary = process.env.SEEDANCE_APP_BINARY ?? join(targetDir, 'debug', 'seedance-studio');
export const fakeBinary = join(targetDir, 'debug', 'fake-seedance');
/** The `seedance` CLI: it shares the keychain entry and the ledger with the app. */
export const cliBinary = join(targetDir, 'debug', 'seedance');
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
      if (match) {
        clearTimeout(timer);
        ok(match[1]);
      }
    });
  });
  const origin = new URL(baseUrl).origin;
  const admin = async (path, body) => {
    const response = await fetch(
      `${origin}/__admin/${path}`,
      body === undefined
        ? {}
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    if (!response.ok) throw new Error(`admin ${path}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  return {
    baseUrl,
    origin,
    admin,
    stats: () => admin('stats'),
    stop: () => {
      child.kill('SIGTERM');
    },
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
  const port = await takePortPair();
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      SEEDANCE_API_BASE: fake.baseUrl,
      SEEDANCE_DATA_DIR: dataDir,
      SEEDANCE_LIBRARY_DIR: join(dataDir, 'library'),
      // Files the scenarios "drop" live here: the harness's drops skip the OS, so the shell
      // cannot record them, and it reads only handed files (src-tauri/src/granted.rs).
      SEEDANCE_REFERENCE_DIR: handedDir(dataDir),
      RUST_LOG: process.env.RUST_LOG ?? 'info',
      // The fake runs at a hundredth of the documented durations, while the app's own
      // schedule plans its polls on the documented minutes (first poll of a text-only task
      // at 10 s, then up to 60 s apart before the window). Polling every second, as the
      // demo does, lets the window see each state in seconds; the schedule itself is
      // tested in virtual time (schedule_sim, engine_scheduler) and against the fake at
      // full time scale (idle-bench).
      SEEDANCE_POLL_INTERVAL_MS: '1000',
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
      try {
        await browser.deleteSession();
      } catch {
        /* the app may already be gone */
      }
      driver.kill('SIGTERM');
      await new Promise((ok) => {
        if (driver.exitCode !== null) ok();
        else driver.once('exit', ok);
      });
      // A lingering app would hold the ledger lock and the single-instance name, and the
      // next launch on this data folder would only focus it.
      await appGone(dataDir);
    },
  };
  return session;
}

/** Where a scenario puts files it drops on the window (created on first use). */
export function handedDir(dataDir) {
  const dir = join(dataDir, 'handed');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The app's process id, found by the data folder it was given (for the kill test). */
export function appPidsFor(dataDir) {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-f', appBinary], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        const environ = execFileSync('cat', [`/proc/${pid}/environ`], { encoding: 'latin1' });
        return environ.split('\0').includes(`SEEDANCE_DATA_DIR=${dataDir}`);
      } catch {
        return false;
      }
    });
}

/** Waits for the app of `dataDir` to exit; SIGKILLs it after `graceMs`. */
export async function appGone(dataDir, graceMs = 5_000) {
  const deadline = Date.now() + graceMs;
  while (appPidsFor(dataDir).length > 0) {
    if (Date.now() > deadline) {
      for (const pid of appPidsFor(dataDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await until(() => appPidsFor(dataDir).length === 0, `the app of ${dataDir} to die`, 5_000);
      return;
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** Whether nothing listens on loopback `port` right now. */
function portIsFree(port) {
  return new Promise((ok) => {
    const server = createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });
}

/**
 * The next pair (`port`, `port + 1`) for a tauri-driver and its WebKitWebDriver with
 * nothing listening on either: a driver left over from another run on the machine must
 * never answer for this one (waitForPort would take its `/status` for ours).
 */
export async function takePortPair() {
  for (let tries = 0; tries < 500; tries += 1) {
    const port = nextPort;
    nextPort += 2;
    if ((await portIsFree(port)) && (await portIsFree(port + 1))) return port;
  }
  throw new Error('no free pair of loopback ports for tauri-driver');
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) return;
    } catch {
      /* not up yet */
    }
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
    } catch (error) {
      last = error;
    }
    await new Promise((ok) => setTimeout(ok, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

/** Saves a screenshot named after the scenario when it failed. */
export async function screenshotOnFailure(t, browser) {
  if (!browser) return;
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  try {
    await browser.saveScreenshot(file);
    console.error(`screenshot: ${file}`);
  } catch {
    /* window gone */
  }
}

// ---------------------------------------------------------------------------------------
// Helpers the scenarios share. They act the way the creator does (test ids and visible
// text on the page); `invoke` is for probing the IPC surface itself and for reading what
// the screen does not show (exact timestamps, diagnostics).

/** `[data-testid="id"]`, optionally inside `within`. */
export const tid = (id, within = '') => `${within ? `${within} ` : ''}[data-testid="${id}"]`;

/**
 * Calls an IPC command from the page, as the UI's own `ipc.ts` does. Resolves to
 * `{ ok: true, value }` or `{ ok: false, error }`; never throws for a rejection.
 */
export async function invoke(browser, command, args = {}) {
  const answer = await browser.executeAsync(
    (cmd, cmdArgs, done) => {
      // The answer crosses back as JSON text: a rejection is then data, not a script error.
      const reply = (result) => done(JSON.stringify(result));
      Promise.resolve()
        .then(() => window.__TAURI_INTERNALS__.invoke(cmd, cmdArgs))
        .then(
          (value) => reply({ ok: true, value: value === undefined ? null : value }),
          (error) => reply({ ok: false, error: error instanceof Error ? { message: error.message } : error }),
        );
    },
    command,
    args,
  );
  return JSON.parse(answer);
}

/** The text of the first element matching `selector`, or '' when there is none. */
export async function textOf(browser, selector) {
  const el = await browser.$(selector);
  return (await el.isExisting()) ? el.getText() : '';
}

/** Types into a textarea or input through the DOM plus an input event. */
export const fillField = (browser, selector, value) =>
  browser.execute(
    (sel, text) => {
      const el = document.querySelector(sel);
      el.value = text;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    selector,
    value,
  );

/** Clicks a control (of the details drawer, say) once scrolled clear of the toast at the bottom. */
export async function pressInView(browser, selector, what = selector, timeoutMs = 30_000) {
  await until(async () => (await browser.$(selector)).isExisting(), what, timeoutMs);
  await browser.execute((sel) => document.querySelector(sel)?.scrollIntoView({ block: 'center' }), selector);
  await clickWhenReady(browser, selector, what, timeoutMs);
}

/** The open details' task id, or null. */
export const detailsTaskId = (browser) =>
  browser.execute(() => {
    const el = document.querySelector('[data-testid="details"]');
    return el ? Number(el.dataset.taskId) : null;
  });

/** Clicks the element once it exists, is shown and is enabled. */
export async function clickWhenReady(browser, selector, what = selector, timeoutMs = 30_000) {
  const el = await until(
    async () => {
      const e = await browser.$(selector);
      return (await e.isExisting()) && (await e.isDisplayed()) && (await e.isEnabled()) ? e : null;
    },
    `${what} to be clickable`,
    timeoutMs,
  );
  await el.click();
  return el;
}

/** Runs the `seedance` CLI on a data folder; resolves to { code, stdout, stderr }. */
export function cli(args, { dataDir, input = '', env = {} } = {}) {
  if (!existsSync(cliBinary)) throw new Error(`seedance CLI not built: ${cliBinary}`);
  return new Promise((ok, fail) => {
    const child = spawn(cliBinary, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...(dataDir ? { SEEDANCE_DATA_DIR: dataDir } : {}), SEEDANCE_API_KEY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', fail);
    child.once('exit', (code) => ok({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * A key the fake accepts, for when onboarding shows. The suite shares one keychain, so
 * after scenario 1 the app usually finds a key saved already and goes to the studio.
 */
export function testKey(name) {
  return `sk-e2e-${name}-${process.pid.toString(36)}${Date.now().toString(36)}`;
}

/**
 * Waits for the first screen. When onboarding shows, saves `key` through it (the real
 * keychain) and waits for the studio; when a key is already saved, the studio shows
 * directly. Resolves to 'onboarding' or 'studio': what the app showed first.
 */
export async function enterStudio(browser, key) {
  const first = await until(
    async () => {
      if (await (await browser.$(tid('onboarding'))).isExisting()) return 'onboarding';
      if (await (await browser.$(tid('compose'))).isExisting()) return 'studio';
      return null;
    },
    'onboarding or the studio',
    60_000,
  );
  if (first === 'onboarding') {
    await (await browser.$(tid('onboarding-key'))).setValue(key);
    await clickWhenReady(browser, tid('onboarding-save'), 'Save and test key');
    await until(async () => (await browser.$(tid('compose'))).isExisting(), 'the studio after saving the key', 30_000);
  }
  // The compose panel asks the core for the price as soon as it exists.
  await until(async () => (await textOf(browser, tid('generate'))).includes('credits'), 'the priced Generate button');
  return first;
}

/**
 * Types a prompt, picks model / resolution / duration through the controls, and waits
 * for the Generate button to reflect the result of the core's check.
 */
export async function compose(browser, { prompt, model, resolution, duration }) {
  if (model) await (await browser.$(tid('model'))).selectByAttribute('value', model);
  if (resolution) await clickWhenReady(browser, tid(`resolution-${resolution}`), `resolution ${resolution}`);
  if (duration !== undefined) {
    const input = await browser.$(tid('duration'));
    await input.setValue(String(duration));
  }
  const box = await browser.$(tid('prompt'));
  // setValue types key by key; a long prompt goes in through the DOM plus an input event.
  await browser.execute(
    (sel, value) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    tid('prompt'),
    prompt,
  );
  await until(async () => (await box.getValue()) === prompt, 'the prompt to be in the box');
}

/** The tasks panel's rows as { id, state, prompt }. */
export async function taskRows(browser) {
  return browser.execute(
    (sel) =>
      [...document.querySelectorAll(sel)].map((row) => ({
        id: Number(row.dataset.taskId),
        state: row.querySelector('[data-testid="task-state"]')?.dataset.state ?? null,
        prompt: row.querySelector('.task-prompt')?.textContent ?? '',
        text: row.textContent ?? '',
      })),
    tid('task'),
  );
}

/** The gallery's cards as { id, state, label }. */
export async function galleryCards(browser) {
  return browser.execute(
    (sel) =>
      [...document.querySelectorAll(sel)].map((card) => ({
        id: Number(card.dataset.taskId),
        state: card.dataset.state,
        label: card.getAttribute('aria-label') ?? '',
      })),
    tid('gallery-card'),
  );
}

const timingsFile = join(artifactsDir, 'timings.jsonl');

/** On failure: what the fake saw and what the app's ledger says, next to the screenshot. */
async function saveDiagnostics(name, ctx) {
  const out = { at: new Date().toISOString() };
  try {
    out.fake = await ctx.fake.stats();
  } catch (error) {
    out.fake = String(error);
  }
  if (ctx.browser) {
    try {
      out.in_flight = await invoke(ctx.browser, 'tasks_in_flight');
    } catch (error) {
      out.in_flight = String(error);
    }
  }
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}-diagnostics.json`);
  writeFileSync(file, JSON.stringify(out, null, 2));
  console.error(`diagnostics: ${file}`);
}

/**
 * One scenario: a fresh fake, data folder and app; a screenshot when it fails; the app,
 * the driver and the fake stopped whatever happens; its duration appended to
 * e2e-artifacts/timings.jsonl. `body` gets { fake, dataDir, app, browser, relaunch }.
 * `appEnv(dataDir)` adds to the app's environment (say, another SEEDANCE_LIBRARY_DIR);
 * `prepare(dataDir)` runs once before the first launch.
 */
export async function scenario(t, name, { fake: fakeOptions = {}, fakeConfig, appEnv, prepare } = {}, body) {
  const started = Date.now();
  const fake = await startFake(fakeOptions);
  const dataDir = freshDataDir(name);
  const ctx = { fake, dataDir, app: null, browser: null };
  ctx.relaunch = async () => {
    if (ctx.app) await ctx.app.close();
    ctx.app = await launchApp({ fake, dataDir, env: appEnv ? appEnv(dataDir) : {} });
    ctx.browser = ctx.app.browser;
    return ctx.browser;
  };
  let failed = false;
  try {
    if (fakeConfig) await fake.admin('config', fakeConfig);
    if (prepare) await prepare(dataDir);
    await ctx.relaunch();
    await body(ctx);
  } catch (error) {
    failed = true;
    await screenshotOnFailure(t, ctx.browser);
    await saveDiagnostics(name, ctx);
    throw error;
  } finally {
    if (ctx.app) await ctx.app.close();
    fake.stop();
    // A failed scenario's data folder (ledger, library) is kept for a look.
    if (!failed) rmSync(dataDir, { recursive: true, force: true });
    const ms = Date.now() - started;
    mkdirSync(artifactsDir, { recursive: true });
    appendFileSync(timingsFile, `${JSON.stringify({ scenario: name, ms, failed })}\n`);
    console.log(`# ${name}: ${(ms / 1000).toFixed(1)} s${failed ? ` (failed; data folder kept: ${dataDir})` : ''}`);
  }
}

/**
 * Drops files on the window the way Tauri delivers an OS drop: the `tauri://drag-drop`
 * event reaches the page's own drop listener (which calls `references_add_paths`, like a
 * real drop). Only the OS half is skipped: a real drag under Xvfb needs a GTK drag source
 * driven by xdotool.
 */
export async function dropFiles(browser, paths) {
  const delivered = await browser.execute((files) => {
    // Tauri keeps the page's listeners in a window object keyed by event name.
    const holder = Object.getOwnPropertyNames(window)
      .map((name) => {
        try {
          return window[name];
        } catch {
          return null;
        }
      })
      .find((value) => value && typeof value === 'object' && !Array.isArray(value) && value['tauri://drag-drop']);
    if (!holder) return 0;
    let count = 0;
    const listeners = holder['tauri://drag-drop'];
    // Listener ids are non-enumerable properties.
    for (const id of Object.getOwnPropertyNames(listeners)) {
      const listener = listeners[id];
      window.__TAURI_INTERNALS__.runCallback(listener.handlerId, {
        event: 'tauri://drag-drop',
        id: Number(id),
        payload: { paths: files, position: { x: 200, y: 300 } },
      });
      count += 1;
    }
    return count;
  }, paths);
  if (delivered === 0) throw new Error('the page has no tauri://drag-drop listener (is the studio shown?)');
}

/** The compose panel's reference rows as { label, name, problems }. */
export async function referenceRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="references"] > li')].map((li) => ({
      label: li.getAttribute('aria-label') ?? '',
      problems: [...li.querySelectorAll('[data-testid="reference-problem"]')].map((p) => p.textContent),
    })),
  );
}

/** Whether Generate is disabled, and the reason shown under it. */
export async function generateState(browser) {
  return browser.execute(() => {
    const button = document.querySelector('[data-testid="generate"]');
    return {
      disabled: button.disabled,
      label: button.textContent,
      reason: document.querySelector('[data-testid="generate-reason"]').textContent,
    };
  });
}

/**
 * Records every element matching `selector` that appears or changes from now on (a
 * MutationObserver in the page), so a state shown for a few milliseconds is not missed
 * between two polls. Read the records with `recorded(browser, key)`.
 */
export async function recordElements(browser, key, selector) {
  await browser.execute(
    (name, sel) => {
      window.__e2eRecords ??= {};
      const records = [];
      window.__e2eRecords[name] = records;
      const snap = (el) =>
        records.push({
          at: Date.now(),
          testid: el.dataset.testid ?? null,
          category: el.dataset.category ?? null,
          label: el.getAttribute('aria-label'),
          value: el.getAttribute('aria-valuenow'),
          text: (el.textContent ?? '').slice(0, 300),
        });
      const scan = (node) => {
        if (!(node instanceof Element)) return;
        if (node.matches(sel)) snap(node);
        node.querySelectorAll(sel).forEach(snap);
      };
      scan(document.body);
      new MutationObserver((mutations) => {
        for (const m of mutations) {
          if (m.type === 'attributes') scan(m.target);
          else m.addedNodes.forEach(scan);
        }
      }).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['aria-valuenow', 'data-state'],
      });
    },
    key,
    selector,
  );
}

export async function recorded(browser, key) {
  return browser.execute((name) => window.__e2eRecords?.[name] ?? [], key);
}
