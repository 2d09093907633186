// Where a gallery fling's frames and a long scroll's memory go (docs/benchmarks.md, the
// eighth pass): one launch of the app on DIR's tasks (made by ledger-fill), then several
// flings of 120 px per frame, each with one change injected into the page by WebDriver
// (CSS, or the gallery's scroll handler stopped: `norender`), alternated between rounds,
// with each frame's main-thread work (its requestAnimationFrame to a message posted after
// its rendering update); optionally a walk a screen at a time with the memory of every
// process, by mapping, every 1,000 tasks. The first fling makes the thumbnails not yet
// on disk (remove DIR/thumbnails first to measure a fling while they are being made).
// Run under xvfb-run and scripts/with-keychain.sh, like app-bench.mjs:
//   node bench/gallery-explore.mjs --app BIN --cli SEEDANCE_CLI --data DIR [--rounds 3]
//     [--variants base,noimg,nocv,norender,nocaption,willchange] [--walk N] [--env K=V,K=V]
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { remote } = await import(pathToFileURL(resolve(repo, 'tests/e2e/node_modules/webdriverio/build/index.js')).href);
const { takePortPair } = await import(pathToFileURL(resolve(repo, 'tests/e2e/harness.mjs')).href);
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

function stat(pid) { const t = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = t.slice(t.lastIndexOf(')') + 2).split(' '); return { ppid: Number(f[1]) }; }
function descendants(root) {
  const parent = new Map();
  for (const n of readdirSync('/proc')) { if (!/^\d+$/.test(n)) continue; try { parent.set(Number(n), stat(n).ppid); } catch {} }
  const out = [root];
  for (let i = 0; i < out.length; i += 1) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
}
function pidWithEnv(marker) {
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      if (readFileSync(`/proc/${n}/environ`, 'latin1').split('\0').includes(marker)) {
        const comm = readFileSync(`/proc/${n}/comm`, 'utf8').trim();
        if (!/tauri-driver|WebKitWebDriver|WebKitWeb|WebKitNet/.test(comm)) return Number(n);
      }
    } catch {}
  }
  return null;
}
/** RSS per process, and the web process's smaps grouped by mapping. */
function memory(pid) {
  const out = {};
  for (const p of descendants(pid)) {
    try {
      const name = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      const rss = Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
      const groups = {};
      let cur = null;
      for (const line of readFileSync(`/proc/${p}/smaps`, 'utf8').split('\n')) {
        const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
        if (head) {
          const path = head[1];
          cur = path === '' ? 'anon' : path.startsWith('[') ? path : /\.so/.test(path) ? 'libs' : path.startsWith('/memfd:') ? path.replace(/\(deleted\)/, '').trim() : path.startsWith('/dev/') ? path : path.includes('/dev/shm') ? 'shm' : 'files';
          continue;
        }
        const m = line.match(/^Rss:\s+(\d+)/);
        if (m && cur) groups[cur] = (groups[cur] ?? 0) + Number(m[1]);
      }
      const top = Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}=${Math.round(v / 1024)}M`).join(' ');
      out[`${name}:${p}`] = `${Math.round(rss / 1024)}M [${top}]`;
    } catch {}
  }
  return out;
}
function totalRss(pid) {
  let s = 0; for (const p of descendants(pid)) { try { s += Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]); } catch {} } return Math.round(s / 1024);
}

if (args.cli) { const set = spawnSync(args.cli, ['key', 'set'], { input: 'sk-bench-made-up-key-0000', stdio: ['pipe', 'ignore', 'inherit'] }); if (set.status !== 0) throw new Error('key'); }
const env = Object.fromEntries((args.env ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')));
const p = await takePortPair();
const marker = `SEEDANCE_BENCH_RUN=x${process.pid}-${p}`;
const driver = spawn('tauri-driver', ['--port', String(p), '--native-port', String(p + 1)], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, ...env, SEEDANCE_BENCH_RUN: marker.split('=')[1], SEEDANCE_API_BASE: 'http://127.0.0.1:9', SEEDANCE_DATA_DIR: args.data, SEEDANCE_LIBRARY_DIR: `${args.data}/library`, RUST_LOG: 'warn' },
});
for (let i = 0; i < 150; i += 1) { try { if ((await fetch(`http://127.0.0.1:${p}/status`)).ok) break; } catch {} await sleep(100); }
const browser = await remote({ hostname: '127.0.0.1', port: p, logLevel: 'error', capabilities: { browserName: 'wry', 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: args.app } } });
const pid = pidWithEnv(marker);
await browser.setTimeout({ script: 300000 });
try {
  for (let i = 0; i < 300; i += 1) { if (await browser.execute(() => performance.getEntriesByName('gallery-first-paint').length > 0)) break; await sleep(50); }
  await sleep(2000);
  console.log('first screen', totalRss(pid), JSON.stringify(memory(pid)));

  // Variants: CSS injected into a <style id=variant>, and a scroll blocker.
  const variants = {
    base: '',
    noimg: '.card img.poster { visibility: hidden !important; }',
    nocv: '.cards > .card { content-visibility: visible !important; }',
    willchange: '.cards { will-change: transform; }',
    norender: 'BLOCK',
    nocaption: '.card .caption { visibility: hidden !important; }',
  };
  const only = args.variants ? args.variants.split(',') : Object.keys(variants);
  const fling = (css) => browser.executeAsync((css, done) => {
    let style = document.getElementById('variant');
    if (!style) { style = document.createElement('style'); style.id = 'variant'; document.head.append(style); }
    style.textContent = css === 'BLOCK' ? '' : css;
    const scroller = document.querySelector('[data-testid="gallery-scroller"]');
    const block = (e) => e.stopImmediatePropagation();
    if (css === 'BLOCK') scroller.addEventListener('scroll', block, { capture: true });
    scroller.scrollTop = 0;
    const REST = 40; const FLING = 240;
    const rest = []; const moving = []; const work = [];
    let last = null; let n = 0;
    const frame = (t) => {
      if (last !== null) (n <= REST ? rest : moving).push(t - last);
      last = t; n += 1;
      const start = performance.now();
      if (n > REST) {
        scroller.scrollTop += 120;
        // main-thread time of this rendering update and what follows it in the task
        const ch = new MessageChannel();
        ch.port1.onmessage = () => work.push(performance.now() - start);
        setTimeout(() => ch.port2.postMessage(0));
      }
      if (n <= REST + FLING) requestAnimationFrame(frame);
      else {
        scroller.removeEventListener('scroll', block, { capture: true });
        done({ rest, moving, work, nodes: document.getElementsByTagName('*').length, cards: document.querySelectorAll('[data-testid="gallery-card"]').length });
      }
    };
    requestAnimationFrame(frame);
  }, css);

  // Make the thumbnails of the first ~500 tasks first (the "made" case), unless --cold.
  if (!args.cold) {
    const nices = () => { const out = []; for (const p of descendants(pid)) { try { for (const t of readdirSync(`/proc/${p}/task`)) { const comm = readFileSync(`/proc/${p}/task/${t}/comm`, 'utf8').trim(); if (comm.startsWith('thumbnail')) { const st = readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8'); out.push(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]); } } } catch {} } return out.join(','); };
    const r = await fling('');
    console.log('warm-up fling (thumbnails being made)', median(r.moving), pct(r.moving, 0.95), 'rest', median(r.rest), 'nice', nices());
  }
  const rows = {};
  for (let round = 0; round < Number(args.rounds ?? 3); round += 1) {
    for (const name of round % 2 ? [...only].reverse() : only) {
      const r = await fling(variants[name]);
      (rows[name] ??= []).push({ med: median(r.moving), p95: pct(r.moving, 0.95), rest: median(r.rest), over: r.moving.filter((x) => x > 33.4).length / r.moving.length, work: median(r.work), workP95: pct(r.work, 0.95), nodes: r.nodes });
      await sleep(500);
    }
  }
  for (const [k, rs] of Object.entries(rows)) console.log(k.padEnd(11), rs.map((r) => `med ${r.med.toFixed(1)} p95 ${r.p95.toFixed(1)} rest ${r.rest.toFixed(1)} >2x ${(100 * r.over).toFixed(0)}% work ${r.work.toFixed(1)}/${r.workP95.toFixed(1)} nodes ${r.nodes}`).join(' | '));
  if (args.walk) {
    // Walk a screen at a time through N tasks, reading memory along the way.
    const seen = new Set(); let next = 1000;
    while (seen.size < Number(args.walk)) {
      const r = await browser.executeAsync((done) => {
        const scroller = document.querySelector('[data-testid="gallery-scroller"]');
        scroller.scrollTop += scroller.clientHeight;
        const started = performance.now(); let frames = 0;
        const check = () => {
          frames += 1;
          const cards = [...document.querySelectorAll('[data-testid="gallery-card"]')].filter((c) => { const b = c.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; });
          const imgs = cards.map((c) => c.querySelector('img')).filter(Boolean);
          if ((frames >= 2 && cards.length > 0 && imgs.every((i) => i.complete)) || performance.now() - started > 3000) done({ ids: cards.map((c) => c.dataset.taskId), end: scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1 });
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      for (const id of r.ids) seen.add(id);
      if (seen.size >= next || r.end) { await sleep(1500); console.log('walked', seen.size, totalRss(pid), JSON.stringify(memory(pid))); next += 1000; }
      if (r.end) break;
    }
  }
} finally {
  const running = pidWithEnv(marker);
  if (running) { try { process.kill(running, 'SIGTERM'); } catch {} for (let i = 0; i < 50 && pidWithEnv(marker); i += 1) await sleep(100); }
  try { await browser.deleteSession(); } catch {}
  driver.kill('SIGTERM');
}
