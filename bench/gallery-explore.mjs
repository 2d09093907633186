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
//     [--variants base,noimg,nocv,norender,static,nocaption,willchange,fastscale,noclip] [--walk N [--passes P] [--walk-css CSS] [--anon-maps 1]] [--churn ipc|dom|reuse [--churn_tasks N]] [--time-callbacks 1] [--env K=V,K=V]
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
      const anon = [];
      let cur = null;
      let range = null;
      for (const line of readFileSync(`/proc/${p}/smaps`, 'utf8').split('\n')) {
        const head = line.match(/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/);
        if (head) {
          const path = head[3];
          range = { at: head[1], size: (Number.parseInt(head[2], 16) - Number.parseInt(head[1], 16)) / 1024 };
          cur = path === '' ? 'anon' : path.startsWith('[') ? path : /\.so/.test(path) ? 'libs' : path.startsWith('/memfd:') ? path.replace(/\(deleted\)/, '').trim() : path.startsWith('/dev/') ? path : path.includes('/dev/shm') ? 'shm' : 'files';
          continue;
        }
        const m = line.match(/^Rss:\s+(\d+)/);
        if (m && cur) groups[cur] = (groups[cur] ?? 0) + Number(m[1]);
        if (m && cur === 'anon') anon.push({ ...range, rss: Number(m[1]) });
      }
      const top = Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}=${Math.round(v / 1024)}M`).join(' ');
      // The largest anonymous mappings (address:size:resident, MiB): which allocator grows.
      const big = anon.sort((a, b) => b.rss - a.rss).slice(0, 8).map((a) => `${a.at.slice(-9)}:${Math.round(a.size / 1024)}:${(a.rss / 1024).toFixed(1)}`).join(' ');
      out[`${name}:${p}`] = `${Math.round(rss / 1024)}M [${top}]${name.startsWith('WebKitWeb') && args['anon-maps'] ? ` anon maps ${big}` : ''}`;
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

  // --time-callbacks 1: every animation-frame callback of the page timed (the gallery's
  // render among them), to tell script time from the style, layout and paint after it.
  if (args['time-callbacks']) {
    await browser.execute(() => {
      const original = window.requestAnimationFrame.bind(window);
      window.callbackMs = [];
      window.requestAnimationFrame = (callback) => original((t) => { const start = performance.now(); callback(t); window.callbackMs.push(performance.now() - start); });
    });
  }
  const callbackStats = () => browser.execute(() => { const xs = window.callbackMs ?? []; window.callbackMs = []; const heavy = xs.filter((x) => x >= 0.5).sort((a, b) => a - b); return { all: xs.length, heavy: heavy.length, median: heavy[Math.floor(heavy.length / 2)] ?? 0, p95: heavy[Math.floor(heavy.length * 0.95)] ?? 0, total: heavy.reduce((a, b) => a + b, 0) }; });

  // Variants: CSS injected into a <style id=variant>, and a scroll blocker.
  const variants = {
    base: '',
    noimg: '.card img.poster { visibility: hidden !important; }',
    nocv: '.cards > .card { content-visibility: visible !important; }',
    willchange: '.cards { will-change: transform; }',
    norender: 'BLOCK',
    // The fling's rows all there before it starts (copies of the first screen's cells, each
    // with its own poster), the gallery's handler stopped: scrolling through painted
    // content with no element added or removed, the floor of any grid built as it scrolls.
    static: 'STATIC',
    nocaption: '.card .caption { visibility: hidden !important; }',
    // The posters drawn with the cheapest filter: what scaling a 640×360 thumbnail down to
    // the card costs in each painted tile.
    fastscale: '.card img.poster { image-rendering: pixelated !important; }',
    // No rounded clip on the cards: what clipping each poster to the card's corners costs.
    noclip: '.card { border-radius: 0 !important; overflow: visible !important; }',
  };
  const only = args.variants ? args.variants.split(',') : Object.keys(variants);
  const fling = (css) => browser.executeAsync((css, done) => {
    let style = document.getElementById('variant');
    if (!style) { style = document.createElement('style'); style.id = 'variant'; document.head.append(style); }
    const blocked = css === 'BLOCK' || css === 'STATIC';
    style.textContent = blocked ? '' : css;
    const scroller = document.querySelector('[data-testid="gallery-scroller"]');
    const block = (e) => e.stopImmediatePropagation();
    scroller.scrollTop = 0;
    if (blocked) scroller.addEventListener('scroll', block, { capture: true });
    const copies = [];
    if (css === 'STATIC') {
      const cells = [...document.querySelectorAll('[data-testid="gallery-cell"]')];
      const lefts = [...new Set(cells.map((c) => c.style.left))];
      const tops = [...new Set(cells.map((c) => parseFloat(c.style.top)))].sort((a, b) => a - b);
      const stride = tops[1] - tops[0];
      for (let k = cells.length; k < 600; k += 1) {
        const copy = cells[k % cells.length].cloneNode(true);
        copy.style.left = lefts[k % lefts.length];
        copy.style.top = `${tops[0] + Math.floor(k / lefts.length) * stride}px`;
        const img = copy.querySelector('img.poster');
        if (img) img.src = `thumb://localhost/${10000 - k}`;
        cells[0].parentElement.append(copy);
        copies.push(copy);
      }
    }
    const REST = 40; const FLING = 240;
    const rest = []; const moving = []; const work = [];
    let last = null; let n = 0;
    // One channel for the whole fling, closed at its end: WebKit visits every open port of
    // the page for each message, so a channel per frame left thousands open and made each
    // later fling of the launch slower than the one before.
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => work.push(performance.now() - e.data);
    const frame = (t) => {
      if (last !== null) (n <= REST ? rest : moving).push(t - last);
      last = t; n += 1;
      const start = performance.now();
      if (n > REST) {
        scroller.scrollTop += 120;
        // main-thread time of this rendering update and what follows it in the task
        setTimeout(() => channel.port2.postMessage(start));
      }
      if (n <= REST + FLING) requestAnimationFrame(frame);
      else {
        scroller.removeEventListener('scroll', block, { capture: true });
        for (const copy of copies) copy.remove();
        // Then how long the screen the fling stopped on waits for its posters (up to 60 s),
        // and its longest frame in the first 400 ms at rest (the gallery tidies the page
        // 150 ms after the last scrolled frame).
        const stopped = performance.now();
        let prior = stopped;
        let restMax = 0;
        const view = scroller.getBoundingClientRect();
        const within = (el) => { const b = el.getBoundingClientRect(); return b.bottom > view.top && b.top < view.bottom; };
        let settleMs = null;
        const settle = (t) => {
          if (t - stopped <= 400) restMax = Math.max(restMax, t - prior);
          prior = t;
          const imgs = [...document.querySelectorAll('[data-testid="gallery-card"] img.poster')].filter((i) => i.offsetParent !== null && within(i));
          if (settleMs === null && (blocked || imgs.every((i) => i.complete))) settleMs = performance.now() - stopped;
          const waited = performance.now() - stopped;
          if ((settleMs !== null && waited > 400) || waited > 60000) {
            channel.port1.close();
            done({ rest, moving, work, settleMs: settleMs ?? -1, restMax, posters: imgs.length, nodes: document.getElementsByTagName('*').length, cards: document.querySelectorAll('[data-testid="gallery-card"]').length });
          } else requestAnimationFrame(settle);
        };
        requestAnimationFrame(settle);
      }
    };
    requestAnimationFrame(frame);
  }, css);

  // Make the thumbnails of the first ~500 tasks first (the "made" case), unless --cold.
  if (!args.cold) {
    const nices = () => { const out = []; for (const p of descendants(pid)) { try { for (const t of readdirSync(`/proc/${p}/task`)) { const comm = readFileSync(`/proc/${p}/task/${t}/comm`, 'utf8').trim(); if (comm.startsWith('thumbnail')) { const st = readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8'); out.push(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]); } } } catch {} } return out.join(','); };
    const r = await fling('');
    console.log('warm-up fling (thumbnails being made)', median(r.moving), pct(r.moving, 0.95), 'rest', median(r.rest), 'posters settled', r.settleMs, `(${r.posters})`, 'longest frame at rest', r.restMax, 'nice', nices());
  }
  const rows = {};
  for (let round = 0; round < Number(args.rounds ?? 3); round += 1) {
    for (const name of round % 2 ? [...only].reverse() : only) {
      if (args['time-callbacks']) await callbackStats();
      const r = await fling(variants[name]);
      if (args['time-callbacks']) console.log(name, 'animation-frame callbacks of 0.5 ms or more:', JSON.stringify(await callbackStats()));
      (rows[name] ??= []).push({ med: median(r.moving), p95: pct(r.moving, 0.95), rest: median(r.rest), over: r.moving.filter((x) => x > 33.4).length / r.moving.length, work: median(r.work), workP95: pct(r.work, 0.95), nodes: r.nodes, settle: r.settleMs, restMax: r.restMax });
      await sleep(500);
    }
  }
  const f = (x, digits = 1) => (typeof x === 'number' ? x.toFixed(digits) : String(x));
  for (const [k, rs] of Object.entries(rows)) console.log(k.padEnd(11), rs.map((r) => `med ${f(r.med)} p95 ${f(r.p95)} rest ${f(r.rest)} >2x ${f(100 * r.over, 0)}% work ${f(r.work)}/${f(r.workP95)} nodes ${r.nodes} posters after ${r.settle == null || r.settle < 0 ? '>60000' : f(r.settle, 0)} ms, longest frame at rest ${f(r.restMax, 0)} ms`).join(' | '));
  if (args.churn) {
    // Half a walk's work, apart: `ipc` asks for the gallery's pages as a walk does, 60
    // tasks at a time, and draws nothing; `dom` builds copies of the first screen's cells
    // and removes them again, ten a step, and asks for nothing; `reuse` keeps ten copies
    // and changes their text and poster in place. Memory every 1,000 tasks.
    for (let done = 0; done < Number(args.churn_tasks ?? 20000);) {
      await browser.executeAsync((kind, done, finish) => {
        const grid = document.querySelector('[data-testid="gallery-grid"]');
        const cells = [...grid.querySelectorAll('[data-testid="gallery-cell"]')];
        let step = 0;
        const next = async () => {
          if (kind === 'ipc') {
            await window.__TAURI_INTERNALS__.invoke('gallery_list', { query: { text: null, states: [], offset: (Math.floor(done / 60) + step) * 60 % 9960, limit: 60 } });
            step += 1;
            if (step * 60 >= 1000) finish(); else next();
          } else if (kind === 'reuse') {
            // The same ten copies every step, their text and poster changed in place.
            window.reused ??= Array.from({ length: 10 }, (_, k) => { const c = cells[k % cells.length].cloneNode(true); c.style.top = `${1000000 + k * 300}px`; grid.append(c); return c; });
            window.reused.forEach((c, k) => {
              const n = done + step * 10 + k;
              c.dataset.taskId = String(n);
              const prompt = c.querySelector('.task-prompt'); if (prompt) prompt.textContent = `prompt ${n}`;
              const img = c.querySelector('img'); if (img) { img.removeAttribute('src'); img.src = `thumb://localhost/${n % 9990 + 1}`; }
            });
            requestAnimationFrame(() => { step += 1; if (step * 10 >= 1000) finish(); else requestAnimationFrame(next); });
          } else {
            const copies = [];
            for (let k = 0; k < 10; k += 1) { const c = cells[k % cells.length].cloneNode(true); c.style.top = `${1000000 + k * 300}px`; const img = c.querySelector('img'); if (img) img.src = `thumb://localhost/${(done + step * 10 + k) % 9990 + 1}`; grid.append(c); copies.push(c); }
            requestAnimationFrame(() => { for (const c of copies) { c.remove(); for (const i of c.querySelectorAll('img')) i.removeAttribute('src'); } step += 1; if (step * 10 >= 1000) finish(); else requestAnimationFrame(next); });
          }
        };
        next();
      }, args.churn, done);
      done += 1000;
      await sleep(1500);
      console.log(`churn ${args.churn} ${done}`, totalRss(pid), JSON.stringify(memory(pid)));
    }
    // Then script garbage, enough to make the collector run in full: what it frees was
    // waiting for a collection, what stays is held.
    await browser.execute(() => { let keep = 0; for (let i = 0; i < 400; i += 1) keep += new Array(100000).fill(i).length; return keep; });
    await sleep(3000);
    console.log(`churn ${args.churn} after script garbage`, totalRss(pid), JSON.stringify(memory(pid)));
  }
  if (args.walk) {
    // Walk a screen at a time through N tasks, reading memory along the way; with
    // --passes P, walk back up and down again P - 1 times over the same tasks, to tell
    // memory that grows with the tasks seen from memory that grows with screens drawn.
    const inPage = () => browser.execute(() => ({ nodes: document.getElementsByTagName('*').length, entries: performance.getEntries().length, imgs: document.images.length }));
    const passes = Number(args.passes ?? 1);
    // --walk-css: a variant for the whole walk (`display: none` on posters: no image loaded).
    if (args['walk-css']) await browser.execute((css) => { const style = document.createElement('style'); style.textContent = css; document.head.append(style); }, args['walk-css']);
    let previous = new Set(); let travelled = 0; let next = 1000; let screens = 0; let unready = 0; let screenMs = 0;
    for (let pass = 0; pass < passes; pass += 1) {
      const down = pass % 2 === 0;
      const seen = new Set();
      while (seen.size < Number(args.walk)) {
        const r = await browser.executeAsync((down, done) => {
          const scroller = document.querySelector('[data-testid="gallery-scroller"]');
          scroller.scrollTop += down ? scroller.clientHeight : -scroller.clientHeight;
          const started = performance.now(); let frames = 0;
          const check = () => {
            frames += 1;
            // What the scroller shows: a poster above its top edge is not loaded (lazy), rightly.
            const view = scroller.getBoundingClientRect();
            const within = (el) => { const b = el.getBoundingClientRect(); return b.bottom > view.top && b.top < view.bottom; };
            const cards = [...document.querySelectorAll('[data-testid="gallery-card"]')].filter(within);
            const imgs = cards.map((c) => c.querySelector('img')).filter((i) => i && i.offsetParent !== null && within(i));
            const end = down ? scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1 : scroller.scrollTop <= 0;
            const ready = frames >= 2 && cards.length > 0 && imgs.every((i) => i.complete);
            if (ready || performance.now() - started > 3000) done({ ids: cards.map((c) => c.dataset.taskId), end, ready, ms: performance.now() - started });
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }, down);
        screens += 1; if (!r.ready) unready += 1; screenMs += r.ms;
        for (const id of r.ids) { seen.add(id); if (!previous.has(id)) travelled += 1; }
        previous = new Set(r.ids);
        if (travelled >= next || r.end) { await sleep(1500); console.log(`pass ${pass + 1} ${down ? 'down' : 'up'} walked ${travelled} (${seen.size} this pass; ${screens} screens, ${unready} unready, ${Math.round(screenMs / screens)} ms each)`, totalRss(pid), JSON.stringify(await inPage()), JSON.stringify(memory(pid))); next = travelled + 1000; }
        if (r.end) break;
      }
    }
  }
} finally {
  const running = pidWithEnv(marker);
  if (running) { try { process.kill(running, 'SIGTERM'); } catch {} for (let i = 0; i < 50 && pidWithEnv(marker); i += 1) await sleep(100); }
  try { await browser.deleteSession(); } catch {}
  driver.kill('SIGTERM');
}
