// Not enough credits (402 from createTask, balance 10): the card shows the credits the
// video needs and the credits available, and nothing was charged. "Add credits" asks the
// shell to open the account page; against the fake service it says there is none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickWhenReady, compose, enterStudio, scenario, testKey, textOf, tid, until } from '../harness.mjs';

test('402: the card shows required and available credits', async (t) => {
  await scenario(t, '05-insufficient-credits', { fakeConfig: { balance: 10 } }, async ({ fake, browser }) => {
    await enterStudio(browser, testKey('credits'));
    await compose(browser, {
      prompt: 'A hot-air balloon over vineyards',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await until(async () => (await textOf(browser, tid('generate'))).includes('200 credits'), 'the price');
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');

    const card = tid('failure-card');
    await until(async () => (await browser.$(card)).isExisting(), 'the failure card', 30_000);
    assert.equal(await browser.$(card).getAttribute('data-category'), 'insufficient_credits');
    assert.equal(await textOf(browser, `${card} ${tid('failure-title')}`), 'Not enough credits');
    assert.match(
      await textOf(browser, `${card} ${tid('failure-explanation')}`),
      /needs 200 credits and your balance is 10\b/,
    );
    assert.equal(await textOf(browser, `${card} ${tid('failure-action')}`), 'Add credits');
    assert.equal(await textOf(browser, `${card} ${tid('failure-hint')}`), 'Needs 200 credits, you have 10 credits');

    // The shell picks the page; against the fake it refuses and says why (no browser opens).
    await clickWhenReady(browser, `${card} ${tid('failure-action')}`, 'Add credits');
    await until(
      async () => /demo service has no account page/.test(await textOf(browser, tid('toast'))),
      'the answer to Add credits',
    );

    const stats = await fake.stats();
    assert.equal(stats.create_task_calls, 1, 'a 402 is not retried');
    assert.equal(stats.tasks_created, 0);
    assert.equal(stats.balance, 10, 'nothing was charged');
  });
});
