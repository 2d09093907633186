// The "2.0 way": with Seedance 2.0 and a reference video, the compose panel offers
// Restyle, Edit and Extend for video 1. Extend shows its documented lead-in at the head
// of the prompt and the price of the reference-video tier (5 s × 48 = 240 credits at
// 720p) before anything is sent; Generate sends one task whose prompt, as the fake
// received it, opens with the lead-in, in reference mode with the one video.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clickWhenReady,
  compose,
  dropFiles,
  enterStudio,
  galleryCards,
  generateState,
  handedDir,
  invoke,
  referenceRows,
  repoRoot,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

const LEAD_IN = 'Continue this video from its final frame.';

const duration = (path) =>
  Number(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], {
      encoding: 'utf8',
    }).trim(),
  );

test('2.0 way: Extend fills the lead-in, prices the reference-video tier, and is sent so', async (t) => {
  await scenario(t, '31-2-0-extend', {}, async ({ browser, fake, dataDir }) => {
    await enterStudio(browser, testKey('two-oh-extend'));
    await compose(browser, {
      prompt: 'The boat sails out of the harbour.',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    assert.equal(await (await browser.$(tid('video-jobs'))).isDisplayed(), false, 'no choices without a video');

    const clip = join(handedDir(dataDir), 'harbour.mp4');
    copyFileSync(join(repoRoot, 'core/tests/fixtures/media/video.mp4'), clip);
    await dropFiles(browser, [clip]);
    await until(async () => (await referenceRows(browser)).length === 1, 'the video in the list');

    await clickWhenReady(browser, tid('video-job-extend'), 'Extend');
    await until(async () => (await textOf(browser, tid('prompt-lead-in'))).includes(LEAD_IN), 'the lead-in');
    assert.equal(await textOf(browser, tid('prompt-lead-in')), `Starts with: “${LEAD_IN}”`);
    assert.match(await textOf(browser, tid('video-job-note')), /new footage only/);
    const priced = await until(async () => {
      const g = await generateState(browser);
      return !g.disabled && g.label.includes('240 credits') ? g : null;
    }, 'Generate priced at the reference-video tier');
    assert.match(priced.label, /^Generate · 240 credits/);
    assert.equal((await fake.stats()).create_task_calls, 0, 'nothing sent before Generate');

    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const sent = await until(async () => {
      const stats = await fake.stats();
      return stats.tasks.length === 1 ? stats.tasks[0] : null;
    }, 'the task on the fake');
    assert.equal(sent.model, 'seedance-20');
    assert.equal(sent.prompt, `${LEAD_IN} The boat sails out of the harbour.`);
    assert.equal(sent.effective_mode, 'reference');
    assert.equal(sent.video_count, 1);
    assert.equal(sent.duration, 5);
    assert.equal(sent.reserved_credits, 240);
    assert.equal((await fake.stats()).create_task_calls, 1);
  });
});

// A clip from outside the library: the dropped video's "Extend…" moves the draft to
// Seedance 2.5 Extend with it as the source; it is uploaded and continued, and the
// extension's joined clip starts with the dropped file itself.
test('extend a dropped clip: uploaded as the source, joined with the local file', async (t) => {
  await scenario(
    t,
    '31-extend-dropped-clip',
    { fake: { timeScale: 0.01, args: ['--render-results'] } },
    async ({ browser, fake, dataDir }) => {
      await enterStudio(browser, testKey('extend-dropped'));
      const clip = join(handedDir(dataDir), 'my own clip.mp4');
      copyFileSync(join(repoRoot, 'core/tests/fixtures/media/video.mp4'), clip);
      await dropFiles(browser, [clip]);
      await until(async () => (await referenceRows(browser)).length === 1, 'the video in the list');
      await clickWhenReady(browser, tid('extend-reference-0'), 'Extend… on the dropped clip');
      await until(
        async () => (await (await browser.$(tid('model'))).getValue()) === 'seedance2-5-extend',
        'the extend model chosen',
      );
      await compose(browser, { prompt: 'The camera keeps drifting to the right.' });
      await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate the extension');
      const card = await until(
        async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded') ?? null,
        'the extension in the library',
        120_000,
      );
      const stats = await fake.stats();
      assert.equal(stats.create_task_calls, 1);
      assert.equal(stats.tasks[0].model, 'seedance2-5-extend');
      assert.equal(stats.tasks[0].video_count, 1);
      assert.ok(stats.upload_requests >= 1, 'the dropped clip was uploaded as the source');

      await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${card.id}"]`, 'the extension card');
      assert.match(await textOf(browser, tid('details-clip-links')), /^Your own clip → this extension #\d+/);
      await browser.execute(
        (sel) => document.querySelector(sel)?.scrollIntoView({ block: 'center' }),
        tid('action-join'),
      );
      await clickWhenReady(browser, tid('action-join'), 'Make the joined clip', 60_000);
      const joined = await until(
        () =>
          browser.execute((sel) => document.querySelector(sel)?.dataset.path ?? null, '[data-testid="details-joined"]'),
        'the joined clip',
        120_000,
      );
      const task = await invoke(browser, 'task_get', { id: card.id });
      const total = duration(joined);
      const parts = duration(clip) + duration(task.value.video_path);
      t.diagnostic(`joined ${total} s; dropped + new ${parts} s`);
      assert.ok(Math.abs(total - parts) <= 0.1, `joined ${total} s against ${parts} s`);
      assert.equal((await fake.stats()).create_task_calls, 1, 'joining sends nothing');
    },
  );
});
