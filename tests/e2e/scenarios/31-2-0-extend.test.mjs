// The "2.0 way": with Seedance 2.0 and a reference video, the compose panel offers
// Restyle, Edit and Extend for video 1. Extend shows its documented lead-in at the head
// of the prompt and the price of the reference-video tier (5 s × 48 = 240 credits at
// 720p) before anything is sent; Generate sends one task whose prompt, as the fake
// received it, opens with the lead-in, in reference mode with the one video.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clickWhenReady,
  compose,
  dropFiles,
  enterStudio,
  generateState,
  handedDir,
  referenceRows,
  repoRoot,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

const LEAD_IN = 'Continue this video from its final frame.';

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
