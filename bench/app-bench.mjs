// App benchmarks (b), (c), (f) of docs/benchmarks.md: the desktop app against an empty
// Tauri 2 window built the same way, both launched through tauri-driver in the same Xvfb.
//
// Ready = the `gallery-first-paint` performance mark (the app sets it in the frame after
// the gallery's first render with data; the empty window after its first frame), taken as
// wall-clock time (timeOrigin + mark) minus the exec time of the process (its age from
// /proc, 10 ms ticks). Memory = VmRSS and PSS summed over the process and its descendants
// (WebKitWebProcess, WebKitNetworkProcess), 5 s after ready.
//
// Usage: node bench/app-bench.mjs --app BIN --empty BIN --cli SEEDANCE_CLI --data DIR [--runs 5] [--trace 1]
// (DIR: made by ledger-fill, 10,000 tasks and 500 posters; run under scripts/with-keychain.sh)
// A/B of builds: --ab NAME=BIN,NAME=BIN (instead of --app) launches each build with an empty
// history and with DIR, alternated with the empty window, skips the memory wait, and prints
// per kind the median ready time, its ratio to the empty window, the in-page time
// (timeOrigin -> gallery-first-paint, median and first quartile), which leaves out the
// exec -> timeOrigin part that varies by tens of ms between runs of the same binary, and
// with 10,000 tasks the in-page time at which the on-screen posters had all loaded.
// Prints one JSON object on the last line. Nothing here talks to the network: the app's API
// base is a closed loopback port, and no task is in flight.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { remote } = await import(pathToFileURL(resolve(here, '../tests/e2e/node_modules/webdriverio/build/index.js')).href);
const { takePortPair } = await import(pathToFileURL(resolve(here, '../tests/e2e/harness.mjs')).href);

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const RUNS = Number(args.runs ?? 5);
const SETTLE_MS = args.ab ? 0 : 5_000;

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const ticks = 100; // USER_HZ on Linux

function stat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), start: Number(fields[19]) };
}

function descendants(root) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try { parent.set(Number(name), stat(name).ppid); } catch { /* exited */ }
  }
  const out = [root];
  for (let i = 0; i < out.length; i += 1) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

function pidWithEnv(marker) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(marker)) {
        const comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
        if (!/tauri-driver|WebKitWebDriver|WebKitWeb|WebKitNet/.test(comm)) return Number(name);
      }
    } catch { /* exited or not ours */ }
  }
  return null;
}

/** Wall-clock ms at which `pid` was exec'd (from its age, read next to Date.now()). */
function execEpochMs(pid) {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const now = Date.now();
  return now - (uptime - stat(pid).start / ticks) * 1000;
}

function memory(pid) {
  let rss = 0; let pss = 0; const names = [];
  for (const p of descendants(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rss += Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
      pss += Number(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/Pss:\s+(\d+)/)?.[1] ?? 0);
      names.push(readFileSync(`/proc/${p}/comm`, 'utf8').trim());
    } catch { /* exited */ }
  }
  return { rssKiB: rss, pssKiB: pss, processes: names };
}

async function waitForPort(p) {
  for (let i = 0; i < 150; i += 1) {
    try { if ((await fetch(`http://127.0.0.1:${p}/status`)).ok) return; } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`tauri-driver did not listen on ${p}`);
}

async function once(kind, binary, dataDir) {
  const p = await takePortPair();
  const marker = `SEEDANCE_BENCH_RUN=${process.pid}-${p}`;
  const driver = spawn('tauri-driver', ['--port', String(p), '--native-port', String(p + 1)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      SEEDANCE_BENCH_RUN: marker.split('=')[1],
      SEEDANCE_API_BASE: 'http://127.0.0.1:9',
      SEEDANCE_DATA_DIR: dataDir,
      SEEDANCE_LIBRARY_DIR: join(dataDir, 'library'),
      RUST_LOG: 'warn',
    },
  });
  let browser;
  try {
    await waitForPort(p);
    browser = await remote({
      hostname: '127.0.0.1', port: p, logLevel: 'error',
      capabilities: { browserName: 'wry', 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: binary } },
    });
    const pid = pidWithEnv(marker);
    if (!pid) throw new Error(`no ${kind} process found`);
    const exec = execEpochMs(pid);
    // The gallery sets `gallery-first-paint` in the frame after its first render with data
    // (the empty window's page after its first frame). Its count label alone is no signal:
    // a resize renders "0 videos" before any data has arrived.
    let seen = null;
    for (let i = 0; i < 3000; i += 1) {
      seen = await browser.execute(() => ({
        origin: performance.timeOrigin,
        paint: performance.getEntriesByName('gallery-first-paint')[0]?.startTime ?? null,
        data: performance.getEntriesByName('gallery-data')[0]?.startTime ?? null,
      }));
      if (seen.paint !== null) break;
    }
    if (seen.paint === null) throw new Error(`${kind}: no gallery-first-paint mark (a UI build without the hook?)`);
    // With --trace: the page's own timeline (navigation and every mark), in ms after exec.
    const trace = args.trace === undefined ? null : await browser.execute(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const points = { origin: 0 };
      if (nav) for (const k of ['fetchStart', 'responseEnd', 'domInteractive', 'domContentLoadedEventEnd', 'loadEventEnd']) points[k] = nav[k];
      for (const m of performance.getEntriesByType('mark')) points[m.name] = m.startTime;
      return { origin: performance.timeOrigin, points };
    });
    const dom = await browser.execute(() => ({
      cards: document.querySelectorAll('[data-testid="gallery-card"]').length,
      count: document.querySelector('[data-testid="gallery-count"]')?.textContent ?? null,
    }));
    // The first screen's posters: the gallery marks `gallery-poster` as each one loads. Read
    // once the on-screen ones are all complete (at most 3 s), as the last mark's time after
    // `gallery-first-paint`.
    let posters = null;
    if (dom.cards > 0) {
      for (let i = 0; i < 60; i += 1) {
        posters = await browser.execute(() => {
          const onScreen = [...document.querySelectorAll('[data-testid="gallery-card"] img')].filter((img) => img.getBoundingClientRect().top < innerHeight);
          const marks = performance.getEntriesByName('gallery-poster').map((m) => m.startTime);
          return { onScreen: onScreen.length, complete: onScreen.filter((img) => img.complete).length, loaded: marks.length, last: marks.length ? Math.max(...marks) : null };
        });
        if (posters.onScreen > 0 && posters.complete === posters.onScreen && posters.loaded >= posters.onScreen) break;
        await sleep(50);
      }
    }
    await sleep(SETTLE_MS);
    const mem = memory(pid);
    return {
      kind,
      ...(trace ? { trace: Object.fromEntries(Object.entries(trace.points).map(([k, v]) => [k, Math.round(trace.origin + v - exec)])) } : {}),
      readyMs: seen.origin + seen.paint - exec,
      pageMs: seen.paint,
      dataToPaintMs: seen.data === null ? null : seen.paint - seen.data,
      postersAfterPaintMs: posters?.last == null ? null : posters.last - seen.paint,
      postersLoaded: posters?.loaded ?? null,
      ...dom,
      ...mem,
    };
  } finally {
    try { await browser?.deleteSession(); } catch { /* gone */ }
    driver.kill('SIGTERM');
    for (let i = 0; i < 50 && pidWithEnv(marker); i += 1) await sleep(100);
    const left = pidWithEnv(marker);
    if (left) { try { process.kill(left, 'SIGKILL'); } catch { /* gone */ } }
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// A made-up key in the private keychain (scripts/with-keychain.sh), so the app opens on the
// studio and its gallery instead of onboarding. It never reaches a service.
if (args.cli) {
  const set = spawnSync(args.cli, ['key', 'set'], { input: 'sk-bench-made-up-key-0000', stdio: ['pipe', 'ignore', 'inherit'] });
  if (set.status !== 0) throw new Error('could not store the bench key in the keychain');
}

if (args.ab) {
  const kinds = [['empty', args.empty, false]];
  for (const [name, bin] of args.ab.split(',').map((x) => x.split('='))) kinds.push([`${name}-empty`, bin, false], [`${name}-10k`, bin, true]);
  const byKind = Object.fromEntries(kinds.map(([k]) => [k, []]));
  for (let run = 0; run < RUNS; run += 1) {
    for (const [kind, bin, full] of run % 2 === 0 ? kinds : [...kinds].reverse()) {
      const fresh = full ? null : mkdtempSync(join(tmpdir(), 'seedance-bench-'));
      try {
        const r = await once(kind, bin, fresh ?? args.data);
        byKind[kind].push(r);
        console.error(JSON.stringify(r));
      } finally {
        if (fresh) rmSync(fresh, { recursive: true, force: true });
      }
    }
  }
  const q1 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 4)];
  const emptyReady = median(byKind.empty.map((r) => r.readyMs));
  const ab = Object.fromEntries(Object.entries(byKind).map(([k, rs]) => [k, {
    runs: rs.length,
    readyMs: median(rs.map((r) => r.readyMs)),
    ratio: median(rs.map((r) => r.readyMs)) / emptyReady,
    pageMs: median(rs.map((r) => r.pageMs)),
    pageMsQ1: q1(rs.map((r) => r.pageMs)),
    ...(rs.some((r) => r.postersAfterPaintMs !== null) ? { postersMs: median(rs.filter((r) => r.postersAfterPaintMs !== null).map((r) => r.pageMs + r.postersAfterPaintMs)) } : {}),
  }]));
  console.log(JSON.stringify(ab));
  process.exit(0);
}

const results = { empty: [], appEmpty: [], appFull: [] };
for (let run = 0; run < RUNS; run += 1) {
  // Alternate the order so a warm page cache or a busy neighbour does not favour one side.
  const order = run % 2 === 0 ? ['empty', 'appEmpty', 'appFull'] : ['appFull', 'appEmpty', 'empty'];
  for (const kind of order) {
    const fresh = kind === 'appFull' ? null : mkdtempSync(join(tmpdir(), 'seedance-bench-'));
    try {
      const r = kind === 'empty'
        ? await once(kind, args.empty, fresh)
        : await once(kind, args.app, fresh ?? args.data);
      results[kind].push(r);
      console.error(JSON.stringify(r));
    } finally {
      if (fresh) rmSync(fresh, { recursive: true, force: true });
    }
  }
}

const summary = {};
for (const [kind, rs] of Object.entries(results)) {
  summary[kind] = {
    readyMs: median(rs.map((r) => r.readyMs)),
    rssKiB: median(rs.map((r) => r.rssKiB)),
    pssKiB: median(rs.map((r) => r.pssKiB)),
    dataToPaintMs: rs.some((r) => r.dataToPaintMs === null) ? null : median(rs.map((r) => r.dataToPaintMs)),
    // Later opens: the first run with the 10,000 tasks makes the thumbnails (when the data
    // folder has none yet, as bench.sh leaves it) and is reported on its own.
    postersAfterPaintMs: rs.some((r) => r.postersAfterPaintMs === null) ? null : median(rs.slice(kind === 'appFull' ? 1 : 0).map((r) => r.postersAfterPaintMs)),
    firstPostersAfterPaintMs: rs[0]?.postersAfterPaintMs ?? null,
    cards: Math.max(...rs.map((r) => r.cards)),
    count: rs[0]?.count ?? null,
    processes: rs[0]?.processes,
    runs: rs.length,
  };
}
summary.ratios = {
  startupEmptyHistory: summary.appEmpty.readyMs / summary.empty.readyMs,
  startup10k: summary.appFull.readyMs / summary.empty.readyMs,
  rssIdle: summary.appEmpty.rssKiB / summary.empty.rssKiB,
  rss10k: summary.appFull.rssKiB / summary.empty.rssKiB,
  pssIdle: summary.appEmpty.pssKiB / summary.empty.pssKiB,
  pss10k: summary.appFull.pssKiB / summary.empty.pssKiB,
};
console.log(JSON.stringify(summary));

// With --rows FILE: the (b), (c), (f) rows of docs/benchmarks.md's results table.
if (args.rows) {
  const { writeFileSync } = await import('node:fs');
  const { empty: e, appEmpty: a, appFull: f, ratios: r } = summary;
  const n = (x, d = 2) => x.toFixed(d);
  const mb = (kib) => `${n(kib / 1024, 1)} MiB`;
  const yes = (ok) => (ok ? 'yes' : '**no**');
  const how = `median of ${RUNS} alternated runs each, tauri-driver + Xvfb, ready = the \`gallery-first-paint\` mark, exec time from /proc`;
  const posters = f.postersAfterPaintMs === null
    ? '(not measured)'
    : `${n(f.postersAfterPaintMs, 0)} ms after that paint (first open, thumbnails made then: ${n(f.firstPostersAfterPaintMs, 0)} ms)`;
  const paint = `first page arrived → painted ${n(f.dataToPaintMs, 0)} ms (empty history: ${n(a.dataToPaintMs, 0)} ms); on-screen posters all shown ${posters}`;
  writeFileSync(args.rows, [
    `| (b) | start-up to interactive window (gallery painted) vs an empty Tauri 2 window (\`bench/app-bench.mjs\`, ${how}) | ≤ 1.2× | empty window: ${n(e.readyMs, 0)} ms | empty history: ${n(a.readyMs, 0)} ms (**${n(r.startupEmptyHistory)}×**); 10,000 tasks: ${n(f.readyMs, 0)} ms | **${n(r.startup10k)}** (10,000 tasks) | ${yes(r.startupEmptyHistory <= 1.2 && r.startup10k <= 1.2)} |`,
    `| (c) | resident memory 5 s after ready, VmRSS summed over the process and its WebKit children (${(e.processes ?? []).join(', ')}); PSS beside it | ≤ 1.3× idle | empty window: RSS ${mb(e.rssKiB)}, PSS ${mb(e.pssKiB)} | idle (empty history): RSS ${mb(a.rssKiB)} (**${n(r.rssIdle)}×**), PSS ${mb(a.pssKiB)} (${n(r.pssIdle)}×); 10,000 tasks + 500 1080p posters: RSS ${mb(f.rssKiB)} (${n(r.rss10k)}×), PSS ${mb(f.pssKiB)} (${n(r.pss10k)}×) | **${n(r.rssIdle)}** idle | ${yes(r.rssIdle <= 1.3)} |`,
    `| (f) | gallery of 10,000 entries (\`ledger-fill\`): first paint, only visible items in the DOM | only one screen of cards | 10,000 tasks in the ledger | "${f.count}" shown, ${f.cards} card elements in the DOM (1280×800 window); ${paint} | – | ${yes(f.cards > 0 && f.cards <= 60)} |`,
  ].join('\n') + '\n');
}
