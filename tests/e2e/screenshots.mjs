// Takes the screenshots of the real window that the README shows (docs/screenshots/):
// the studio with a gallery of finished videos, three takes of one request (one starred,
// one rejected), two takes compared side by side, a failure card with its guidance and
// its one action, the settings, and Extend and Edit on a finished video (the form priced
// both ways; the edit's confirmation, left unanswered so nothing is sent). Same harness as
// the scenarios: the built app, the fake service on 127.0.0.1, a fresh data folder; nothing
// reaches the real service. Waits are DOM polls, as in the scenarios. After a build (tests/e2e/run.sh builds everything):
//
//   xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keychain.sh node tests/e2e/screenshots.mjs
//
// A first argument names another output folder. The app is switched to its dark theme
// through Settings (as the earlier screenshots were); the settings shot shows the
// run's temporary library folder as "~/Videos/Seedance Studio", so no machine path ends
// up in the picture.

import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  clickWhenReady,
  compose,
  enterStudio,
  fillField,
  freshDataDir,
  galleryCards,
  launchApp,
  pressInView,
  repoRoot,
  startFake,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from './harness.mjs';

const outDir = resolve(process.argv[2] ?? join(repoRoot, 'docs/screenshots'));
const PROMPTS = [
  'A lighthouse in a winter storm, waves breaking over the rocks, cinematic',
  'A paper boat drifting down a rain-soaked street at dusk, neon reflections',
  'Slow dolly through a sunlit greenhouse, dust in the light, ferns swaying',
  'A red fox crossing a snowy birch forest at first light',
];

async function generate(browser, prompt, resolution = '720p') {
  await compose(browser, { prompt, model: 'seedance-20', resolution, duration: 5 });
  await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
  // Sent once it shows up, in the tasks panel or already in the gallery.
  await until(
    async () =>
      (await taskRows(browser)).some((r) => r.prompt === prompt) ||
      (await galleryCards(browser)).some((c) => c.label.startsWith(prompt)),
    `"${prompt}" to be sent`,
  );
}

/** Waits until no toast is showing, so the shot shows the app at rest. */
const quiet = (browser) => until(async () => (await textOf(browser, tid('toast'))) === '', 'the toast to go', 15_000);

async function shoot(browser, name) {
  // Two frames, so what the page just changed is painted before the window is captured.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  const file = join(outDir, name);
  await browser.saveScreenshot(file);
  console.log(`saved ${file}`);
}

/** Dark, the way the app is designed first. */
async function darkTheme(browser) {
  await clickWhenReady(browser, tid('open-settings'), 'Settings');
  await (await browser.$(tid('settings-theme'))).selectByAttribute('value', 'dark');
  await clickWhenReady(browser, tid('settings-save'), 'Save settings');
  await until(
    async () => (await textOf(browser, tid('settings-status'))) === 'Settings saved.',
    'the settings to be saved',
  );
  await clickWhenReady(browser, tid('settings-close'), 'Close settings');
}

/**
 * The Extend/Edit form scrolled into view at the bottom of the details, and the run's
 * temporary library folder shown as "~/Videos/Seedance Studio", so no machine path is
 * in the picture.
 */
const formInView = (browser) =>
  browser.execute(
    (details, form) => {
      const walker = document.createTreeWalker(document.querySelector(details), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        node.textContent = node.textContent.replace(/\/\S*?\/library\//g, '~/Videos/Seedance Studio/');
      }
      document.querySelector(form)?.scrollIntoView({ block: 'end' });
    },
    tid('details'),
    tid('clip-change-form'),
  );

async function extendAndEdit(browser) {
  const [first] = (await galleryCards(browser)).filter((c) => c.state === 'downloaded');
  await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${first.id}"]`, 'a finished video');
  await pressInView(browser, tid('action-extend'), 'Extend…');
  await fillField(browser, tid('clip-change-prompt'), 'The beam sweeps across the sea as a ship comes into view');
  await fillField(browser, tid('clip-change-seconds'), '8');
  await until(async () => /when done/.test(await textOf(browser, tid('clip-change-price'))), 'the extension price');
  await quiet(browser);
  await formInView(browser);
  await shoot(browser, 'extend-clip.png');

  await pressInView(browser, tid('clip-change-cancel'), 'Cancel');
  await pressInView(browser, tid('action-edit'), 'Edit…');
  await fillField(browser, tid('clip-change-prompt'), 'Make it a calm summer evening, the same waves and camera');
  await until(async () => /when done/.test(await textOf(browser, tid('clip-change-price'))), 'the edit price');
  await pressInView(browser, `${tid('clip-change-send')}:not([disabled])`, 'Send…');
  await until(async () => (await browser.$(tid('confirm-clip-change'))).isExisting(), 'the confirmation');
  await quiet(browser);
  await formInView(browser);
  await shoot(browser, 'edit-clip.png');
}

const fake = await startFake();
const dataDir = freshDataDir('screenshots');
let app = null;
try {
  app = await launchApp({ fake, dataDir });
  const { browser } = app;
  mkdirSync(outDir, { recursive: true });
  await enterStudio(browser, testKey('screenshots'));

  await darkTheme(browser);

  // A gallery of finished videos, posters loaded.
  for (const prompt of PROMPTS) await generate(browser, prompt);
  await until(
    async () => (await galleryCards(browser)).filter((c) => c.state === 'downloaded').length === PROMPTS.length,
    'every video in the gallery',
    90_000,
  );
  await until(
    () =>
      browser.execute(() =>
        [...document.querySelectorAll('[data-testid="gallery-card"] img.poster')].every(
          (img) => img.complete && img.naturalWidth > 0,
        ),
      ),
    'the posters to load',
  );
  await until(async () => (await browser.$$(tid('task', tid('tasks')))).length === 0, 'the tasks panel to empty');
  await quiet(browser);
  await shoot(browser, 'studio-gallery.png');

  // Three takes of one request, shown together: one starred, one rejected.
  const takesPrompt = 'A hot-air balloon rising over a misty valley at sunrise';
  await compose(browser, { prompt: takesPrompt, model: 'seedance-20', resolution: '720p', duration: 5 });
  await clickWhenReady(browser, tid('takes-3'), '×3');
  await until(async () => (await textOf(browser, tid('generate'))).startsWith('Generate 3 takes'), 'Generate 3 takes');
  await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate 3 takes');
  await until(
    async () =>
      (await galleryCards(browser)).filter((c) => c.state === 'downloaded' && c.label.startsWith(takesPrompt))
        .length === 3,
    'the three takes in the gallery',
    90_000,
  );
  const takeIds = (await galleryCards(browser))
    .filter((c) => c.label.startsWith(takesPrompt))
    .map((c) => c.id)
    .sort((a, b) => a - b);
  await clickWhenReady(browser, `${tid('gallery-cell')}[data-task-id="${takeIds[1]}"] ${tid('card-star')}`, 'Star');
  await clickWhenReady(browser, `${tid('gallery-cell')}[data-task-id="${takeIds[2]}"] ${tid('card-reject')}`, 'Reject');
  await until(
    () =>
      browser.execute(
        (ids) =>
          ids.every((id) => {
            const img = document.querySelector(`[data-testid="gallery-cell"][data-task-id="${id}"] img.poster`);
            return img?.complete && img.naturalWidth > 0;
          }) &&
          document.querySelector(`[data-testid="gallery-cell"][data-task-id="${ids[2]}"]`)?.dataset.verdict ===
            'rejected',
        takeIds,
      ),
    'the takes with their posters and verdicts',
  );
  await until(async () => (await browser.$$(tid('task', tid('tasks')))).length === 0, 'the tasks panel to empty');
  await quiet(browser);
  await shoot(browser, 'takes-group.png');

  // Takes 1 and 2 compared: both players at the same moment, what differs listed.
  await clickWhenReady(
    browser,
    `${tid('gallery-cell')}[data-task-id="${takeIds[0]}"] ${tid('card-compare')}`,
    'Compare',
  );
  await until(async () => (await browser.$(tid('difference-seed'))).isExisting(), 'the differences');
  await until(
    () =>
      browser.execute(() =>
        ['a', 'b'].every((side) => {
          const v = document.querySelector(`[data-testid="compare-video-${side}"]`);
          return v && Number.isFinite(v.duration) && v.duration > 0.5 && v.readyState >= 2;
        }),
      ),
    'both players to read their videos',
  );
  await browser.execute(() => {
    const a = document.querySelector('[data-testid="compare-video-a"]');
    a.currentTime = Math.min(1.5, a.duration / 2);
  });
  let players = '';
  await until(async () => {
    const state = await browser.execute(() =>
      ['a', 'b'].map((side) => {
        const v = document.querySelector(`[data-testid="compare-video-${side}"]`);
        return { time: v.currentTime, seeking: v.seeking, ready: v.readyState };
      }),
    );
    players = JSON.stringify(state);
    return state.every((p) => p.time > 0.2 && !p.seeking && p.ready >= 2);
  }, 'both players at the same moment').catch((error) => {
    throw new Error(`${error.message}: ${players}`);
  });
  await shoot(browser, 'compare-takes.png');
  await clickWhenReady(browser, tid('compare-close'), 'Close the comparison');
  await clickWhenReady(browser, tid('takes-1'), '×1');

  // A failure card: not enough credits, with what is needed and what is left.
  await fake.admin('config', { balance: 120 });
  await generate(browser, 'An aerial shot over terraced rice fields at golden hour', '1080p');
  const card = tid('failure-card', tid('tasks'));
  await until(async () => (await browser.$(card)).isExisting(), 'the failure card', 60_000);
  await quiet(browser);
  await shoot(browser, 'failure-add-credits.png');

  // The settings.
  await clickWhenReady(browser, tid('open-settings'), 'Settings');
  // Opening renders the dialog afresh, which clears the "Settings saved." of earlier.
  await until(
    async () =>
      (await browser.$(tid('settings-library'))).isDisplayed() &&
      // textContent, not getText: the status sits beside Save, below the fold, where
      // WebDriver reads no text even before the re-render has cleared it.
      (await browser.execute((sel) => document.querySelector(sel)?.textContent ?? null, tid('settings-status'))) === '',
    'the settings',
  );
  await browser.execute(
    (dialog, library) => {
      document.querySelector(dialog).scrollTop = 0;
      document.querySelector(library).value = '~/Videos/Seedance Studio';
    },
    tid('settings'),
    tid('settings-library'),
  );
  await shoot(browser, 'settings.png');
} finally {
  if (app) await app.close();
  fake.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

// Extend and Edit on a finished video, in a session of their own: the fake renders real
// 5-second videos (`--render-results`; a source must be 2 s or more), and the studio
// shows nothing else. The details' form priced both ways before anything is sent, and
// the question Send asks (not answered: nothing is sent).
const renderer = await startFake({ args: ['--render-results'] });
const changeDir = freshDataDir('screenshots-extend');
let changeApp = null;
try {
  changeApp = await launchApp({ fake: renderer, dataDir: changeDir });
  const { browser } = changeApp;
  await enterStudio(browser, testKey('screenshots'));
  await darkTheme(browser);
  await generate(browser, PROMPTS[0]);
  await until(
    async () => (await galleryCards(browser)).some((c) => c.state === 'downloaded'),
    'the video to extend',
    120_000,
  );
  await extendAndEdit(browser);
} finally {
  if (changeApp) await changeApp.close();
  renderer.stop();
  rmSync(changeDir, { recursive: true, force: true });
}
