// Failures stay in their place and drafts are never lost. A failed task and its failed
// retry sit together in the tasks panel (the retry right after its original), the library
// counts videos apart from failures ("1 video · 2 failed"), one button dismisses the
// failures together. "Continue from last frame" and "Remix" keep the unsent prompt and
// references (the last frame included) with a way back, and a loaded empty prompt is not
// greeted in red.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  generateState,
  referenceRows,
  scenario,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

const setPrompt = (browser, value) =>
  browser.execute((v) => {
    const el = document.querySelector('[data-testid="prompt"]');
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);

test('failures stay together and are dismissed together; loaded drafts never replace unsent work', async (t) => {
  await scenario(t, '21-failures-and-drafts', {}, async ({ browser }) => {
    await enterStudio(browser, testKey('failures'));

    // A failure, then its retry failing too.
    const failing = 'A glass of water on an oak table [fake:fail=transient]';
    await compose(browser, { prompt: failing, model: 'seedance-20', resolution: '720p', duration: 5 });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const original = await until(
      async () => (await taskRows(browser)).find((r) => r.state === 'failed'),
      'the first failure in the tasks panel',
      60_000,
    );
    await clickWhenReady(
      browser,
      `${tid('task')}[data-task-id="${original.id}"] ${tid('failure-action')}`,
      'Retry on the failure card',
    );
    // A finished video in between, so the failures are not simply the newest rows.
    await compose(browser, { prompt: 'A red fox crossing a snowy forest' });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const done = await until(
      async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded'),
      'the finished video',
      60_000,
    );
    const rows = await until(
      async () => {
        const list = await taskRows(browser);
        return list.filter((r) => r.state === 'failed').length === 2 ? list : null;
      },
      'the retry to fail as well',
      60_000,
    );
    const at = rows.findIndex((r) => r.id === original.id);
    const retry = rows[at + 1];
    assert.ok(retry && retry.id !== original.id && retry.state === 'failed', 'the retry follows its original');
    assert.ok(
      !rows.some((r) => /#\d/.test(r.text.replace(/#\d+ in line/, ''))),
      'no task is named by a number the library never shows',
    );

    await until(
      async () => (await textOf(browser, tid('gallery-count'))) === '1 video · 2 failed',
      'the library to count videos apart from failures',
    );

    await clickWhenReady(browser, tid('tasks-dismiss-failures'), 'Dismiss 2 failures');
    await until(async () => (await taskRows(browser)).length === 0, 'the failures to go together');

    // Drafts: an unsent prompt, then Continue from last frame.
    await setPrompt(browser, 'My unsent idea about a comet');
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${done.id}"]`, 'the finished card');
    await clickWhenReady(browser, tid('action-continue'), 'Continue from last frame');
    await until(async () => (await referenceRows(browser)).length === 1, 'the last frame as a reference');
    assert.equal(await (await browser.$(tid('prompt'))).getValue(), '');
    assert.match(await textOf(browser, tid('kept-draft')), /My unsent idea about a comet/);
    assert.equal(await textOf(browser, tid('prompt-problem')), '', 'no red message before the creator types');

    // What happens next, unsent, then Remix of the same video: the frame is kept too.
    await setPrompt(browser, 'The fox stops and looks back');
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${done.id}"]`, 'the finished card');
    await clickWhenReady(browser, tid('action-remix'), 'Remix');
    await until(
      async () => (await browser.$(tid('prompt')).getValue()) === 'A red fox crossing a snowy forest',
      'the remixed prompt',
    );
    assert.match(await textOf(browser, tid('kept-draft')), /The fox stops and looks back/);
    await clickWhenReady(browser, tid('restore-draft'), 'Bring it back');
    await until(
      async () => (await browser.$(tid('prompt')).getValue()) === 'The fox stops and looks back',
      'the kept prompt back',
    );
    const refs = await referenceRows(browser);
    assert.equal(refs.length, 1, 'the last-frame reference came back with it');
    assert.match(refs[0].label, /^Image 1: /);

    // A daily cap the draft would pass: Generate looks and is disabled with the reason
    // as soon as the settings are saved (before any click), until the settings change.
    await clickWhenReady(browser, tid('open-settings'), 'Settings');
    await until(async () => (await browser.$(tid('settings-daily-cap'))).isExisting(), 'the daily cap');
    await (await browser.$(tid('settings-daily-cap'))).setValue('100');
    await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-save'));
    await until(
      () =>
        browser.execute(
          (sel) => document.querySelector(sel)?.textContent === 'Settings saved.',
          tid('settings-status'),
        ),
      'the cap saved',
    );
    await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-close'));
    const refused = await until(async () => {
      const g = await generateState(browser);
      return g.disabled && /limit/i.test(g.reason) ? g : null;
    }, 'Generate disabled with the cap as the reason');
    assert.match(refused.reason, /100/);
  });
});
