// Input the service would reject is stopped before anything is sent: a prompt over
// 10,000 characters, a text file named .png, four reference videos. Each shows a message
// that names the limit, Generate stays disabled, and the service sees no createTask.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compose,
  dropFiles,
  enterStudio,
  handedDir,
  generateState,
  referenceRows,
  repoRoot,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

const media = (name) => join(repoRoot, 'core/tests/fixtures/media', name);

/** Generate is disabled with `reason`, and pressing it (and Ctrl+Enter) sends nothing. */
async function blocked(browser, fake, reason) {
  const state = await until(async () => {
    const s = await generateState(browser);
    return s.disabled && reason.test(s.reason) ? s : null;
  }, `Generate disabled with ${reason}`);
  await browser.execute(() => document.querySelector('[data-testid="generate"]').click());
  await browser.$(tid('prompt')).click();
  await browser.keys(['Control', 'Enter']);
  assert.equal((await fake.stats()).create_task_calls, 0, 'nothing was sent');
  return state;
}

test('bad input is blocked before submit, naming the limit', async (t) => {
  await scenario(t, '09-bad-input', {}, async ({ fake, dataDir, browser }) => {
    await enterStudio(browser, testKey('bad-input'));

    // 1. A prompt of 11,000 characters.
    await compose(browser, { prompt: 'a'.repeat(11_000), model: 'seedance-20', resolution: '720p', duration: 5 });
    const long = await blocked(browser, fake, /11,000 characters.*at most 10,000/);
    assert.match(await textOf(browser, tid('prompt-problem')), /at most 10,000/);
    assert.equal(await textOf(browser, tid('prompt-count')), '11,000 / 10,000');
    t.diagnostic(`prompt: ${long.reason}`);
    await compose(browser, { prompt: 'A quiet harbour at noon' });
    await until(async () => !(await generateState(browser)).disabled, 'Generate enabled again with a short prompt');

    // 2. A text file renamed .png.
    const fakePng = join(handedDir(dataDir), 'notes.png');
    writeFileSync(fakePng, 'These are my notes about the shot.\nNot an image at all.\n');
    await dropFiles(browser, [fakePng]);
    const [textRow] = await until(async () => {
      const rows = await referenceRows(browser);
      return rows.length ? rows : null;
    }, 'the dropped file in the list');
    assert.match(textRow.problems.join(' '), /notes\.png.*plain text/);
    assert.match(
      textRow.problems.join(' '),
      /accepts JPEG, PNG or WebP images/,
      'the message names the accepted types',
    );
    const text = await blocked(browser, fake, /notes\.png/);
    t.diagnostic(`text as png: ${text.reason}`);
    await browser.$(tid('remove-reference-0')).click();
    await until(async () => (await referenceRows(browser)).length === 0, 'the file removed');

    // 3. Four reference videos (3 s each: only the count is over the limit).
    const videos = [1, 2, 3, 4].map((n) => {
      const path = join(handedDir(dataDir), `clip ${n}.mp4`);
      copyFileSync(media('video.mp4'), path);
      return path;
    });
    await dropFiles(browser, videos);
    await until(async () => (await referenceRows(browser)).length === 4, 'four videos in the list');
    const four = await blocked(browser, fake, /4 reference videos.*at most 3/);
    assert.match(await textOf(browser, tid('references-problem')), /at most 3/);
    t.diagnostic(`four videos: ${four.reason}`);

    const stats = await fake.stats();
    assert.equal(stats.create_task_calls, 0);
    assert.equal(stats.upload_requests, 0, 'nothing was uploaded either');
  });
});
