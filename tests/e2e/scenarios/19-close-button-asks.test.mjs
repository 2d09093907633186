// The window's close button with a video still being made: the app does not just vanish.
// It says what happens next ("1 video is still being made; it will be fetched the next time
// you open the app") and asks; "Keep working" keeps it open, "Close" closes it. Started
// again, the app fetches that video; createTask was sent once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  appPidsFor,
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  repoRoot,
  scenario,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

/** The title bar's close button, as a window manager would press it (wm-close.py). */
const pressCloseButton = () => execFileSync('python3', [join(repoRoot, 'tests/e2e/wm-close.py')]);

test('the close button says what happens to work in flight and asks', async (t) => {
  await scenario(t, '19-close-button-asks', {}, async (ctx) => {
    const key = testKey('close-button');
    await enterStudio(ctx.browser, key);
    await compose(ctx.browser, {
      prompt: 'Snow settling on a bench [fake:gen=6]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(ctx.browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const task = await until(
      async () => (await taskRows(ctx.browser)).find((r) => ['waiting', 'generating'].includes(r.state)),
      'the video being made',
    );

    pressCloseButton();
    await until(async () => ctx.browser.$(tid('closing-keep')).isExisting(), 'the close question');
    assert.match(await textOf(ctx.browser, tid('closing')), /Close Seedance Studio\?/);
    assert.equal(
      await textOf(ctx.browser, tid('closing-next')),
      '1 video is still being made; it will be fetched the next time you open the app.',
    );
    await clickWhenReady(ctx.browser, tid('closing-keep'), 'Keep working');
    assert.equal(await ctx.browser.$(tid('closing')).isExisting(), false, 'the question is gone');
    assert.equal(appPidsFor(ctx.dataDir).length, 1, 'the app stays open');

    // Asked again on the next press; "Close" closes.
    pressCloseButton();
    await clickWhenReady(ctx.browser, tid('closing-close'), 'Close');
    await until(() => appPidsFor(ctx.dataDir).length === 0, 'the app to exit by itself', 30_000);

    const browser = await ctx.relaunch();
    assert.equal(await enterStudio(browser, key), 'studio');
    await until(
      async () => (await galleryCards(browser)).find((c) => c.id === task.id && c.state === 'downloaded'),
      'the video fetched after the restart',
      60_000,
    );
    assert.equal((await ctx.fake.stats()).create_task_calls, 1, 'nothing sent again');
  });
});
