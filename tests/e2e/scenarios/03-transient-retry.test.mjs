// A transient failure ("Video generation failed. Please try again."): the card says what
// happened and that credits came back, offers Retry as the one action; one click sends the
// same request again as a new task linked to the first, and that one succeeds. The card
// then leads to the retry instead of offering Retry again, the gallery details link
// the two both ways, and after a relaunch the original still leads to its retry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cli,
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

test('transient failure: the card offers Retry; one click succeeds and links to the original', async (t) => {
  await scenario(t, '03-transient-retry', {}, async (ctx) => {
    const { fake, browser } = ctx;
    await enterStudio(browser, testKey('transient'));
    await compose(browser, {
      prompt: 'A glass of water on an oak table [fake:fail=transient]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');

    const card = tid('failure-card', tid('tasks'));
    await until(async () => (await browser.$(card)).isExisting(), 'the failure card', 60_000);
    const original = Number(await browser.$(tid('task', tid('tasks'))).getAttribute('data-task-id'));
    assert.equal(await browser.$(card).getAttribute('data-category'), 'transient');
    assert.equal(await textOf(browser, `${card} ${tid('failure-title')}`), 'Generation failed, try again');
    assert.equal(await textOf(browser, `${card} ${tid('failure-refund')}`), 'Your credits were refunded.');
    assert.match(
      await textOf(browser, `${card} ${tid('failure-detail')}`),
      /Video generation failed\. Please try again\./,
    );
    const actions = await browser.$$(`${card} ${tid('failure-action')}`);
    assert.equal(actions.length, 1, 'one primary action');
    assert.equal(await actions[0].getText(), 'Retry');

    // The service's next answer for this prompt is a success (a queued outcome wins over
    // the prompt's marker), as a transient failure usually is on the second try.
    await fake.admin('outcomes', { kind: 'success' });
    await actions[0].click();
    const retried = await until(
      async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded'),
      'the retried video in the gallery',
      60_000,
    );
    assert.notEqual(retried.id, original, 'the retry is a new task');

    // The original's card no longer offers to pay again: it leads to the retry.
    assert.equal(await textOf(browser, `${card} ${tid('failure-retried')}`), 'Already sent again as a new attempt.');
    assert.equal(await textOf(browser, `${card} ${tid('failure-action')}`), 'Show the retry');
    // The gallery details link the retry to its original, and back.
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${retried.id}"]`, 'the retried video');
    await until(
      async () => (await textOf(browser, tid('details-retry-of'))) === 'Retry of an earlier attempt',
      "the retry's details",
    );
    await clickWhenReady(browser, tid('details-retry-of'), 'Retry of');
    await until(
      async () => (await textOf(browser, tid('details-retried-as'))) === 'Sent again: show the new attempt',
      "the original's details",
    );
    assert.equal(await textOf(browser, tid('details-retry-of')), '', 'the original is not a retry');
    assert.equal(await textOf(browser, `${tid('details')} ${tid('failure-action')}`), 'Show the retry');

    const stats = await fake.stats();
    assert.equal(stats.create_task_calls, 2, 'one createTask for the original, one for the one click');
    assert.deepEqual(Object.values(stats.create_task_by_fingerprint), [2], 'the retry sent the same request');

    // The link is the ledger's: read it with the CLI once the app has let go of it.
    await ctx.app.close();
    ctx.app = null;
    const status = await until(
      async () => {
        const out = await cli(['--json', 'status', String(retried.id), '--offline'], { dataDir: ctx.dataDir });
        return out.code === 0 ? JSON.parse(out.stdout) : null;
      },
      'the ledger to be readable',
      15_000,
    );
    assert.equal(status.retry_of, original, 'the ledger links the retry to the original');
    assert.equal(status.state, 'downloaded');

    // Started again, the window knows the link from the ledger alone: the original still
    // leads to its retry instead of offering to pay again.
    const again = await ctx.relaunch();
    await enterStudio(again, testKey('transient'));
    await clickWhenReady(again, `${tid('gallery-card')}[data-task-id="${original}"]`, 'the original in the gallery');
    await until(
      async () => (await textOf(again, tid('details-retried-as'))) === 'Sent again: show the new attempt',
      "the original's details after a restart",
    );
    assert.equal(await textOf(again, `${tid('details')} ${tid('failure-action')}`), 'Show the retry');
  });
});
