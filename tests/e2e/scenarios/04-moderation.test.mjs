// A moderation failure (code 2038): the guidance says to edit the prompt, offers no Retry
// as the primary action, and says the credits were refunded. Its one button puts the
// prompt back in the compose box.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickWhenReady, compose, enterStudio, scenario, testKey, textOf, tid, until } from '../harness.mjs';

test('moderation failure: edit the prompt, no Retry, credits refunded', async (t) => {
  await scenario(t, '04-moderation', {}, async ({ fake, browser }) => {
    await enterStudio(browser, testKey('moderation'));
    const prompt = 'A crowd scene at a stadium [fake:fail=moderation]';
    await compose(browser, { prompt, model: 'seedance-20', resolution: '720p', duration: 5 });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');

    const card = tid('failure-card', tid('tasks'));
    await until(async () => (await browser.$(card)).isExisting(), 'the failure card', 60_000);
    assert.match(await textOf(browser, `${card} ${tid('failure-explanation')}`), /prompt/i);
    assert.equal(await textOf(browser, `${card} ${tid('failure-refund')}`), 'Your credits were refunded.');
    const actions = await browser.$$(`${card} ${tid('failure-action')}`);
    assert.equal(actions.length, 1, 'one primary action');
    assert.equal(await actions[0].getText(), 'Edit prompt');
    assert.equal(await actions[0].getAttribute('data-intent'), 'edit_prompt');
    const buttons = await browser.execute(
      (sel) => [...document.querySelectorAll(`${sel} button`)].map((b) => b.textContent),
      card,
    );
    assert.ok(!buttons.some((b) => /retry|try again/i.test(b)), `no Retry on the card: ${buttons.join(', ')}`);

    // Edit prompt: the compose box gets the prompt back, focused, and nothing is sent.
    await browser.execute((sel) => {
      document.querySelector(sel).value = '';
    }, tid('prompt'));
    await actions[0].click();
    await until(async () => (await browser.$(tid('prompt')).getValue()) === prompt, 'the prompt back in the box');
    assert.equal(await browser.execute(() => document.activeElement?.dataset.testid), 'prompt');

    const stats = await fake.stats();
    assert.equal(stats.create_task_calls, 1);
    assert.equal(stats.tasks[0].refunded, true, 'the fake refunded the credits');
  });
});
