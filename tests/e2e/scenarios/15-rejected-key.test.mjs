// A key the service starts refusing while a video is being made: the window says so where
// it stays (a banner, not a toast), the key chip warns, the task reads "Waiting for a
// working key" instead of "Generating", and the banner leads to Settings, where saving a
// key that works lets the same task finish. Nothing is sent again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cli,
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  scenario,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

test('a refused key: a lasting banner, a warning chip, the task waits for a working key', async (t) => {
  // The keychain is shared by the run's scenarios: an earlier one's key would make the task
  // under another account, which the key saved later here could not poll (403). Onboarding
  // saves this scenario's own key.
  const cleared = await cli(['--json', 'key', 'clear']);
  assert.equal(cleared.code, 0, cleared.stderr);
  await scenario(t, '15-rejected-key', {}, async (ctx) => {
    const { fake, browser } = ctx;
    const first = testKey('first');
    assert.equal(await enterStudio(browser, first), 'onboarding', "the key is this scenario's own");
    await compose(browser, {
      prompt: 'A lantern on a night river [fake:gen=4]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const task = await until(
      async () => (await taskRows(browser)).find((row) => ['waiting', 'generating'].includes(row.state)),
      'the task on the service',
    );
    assert.equal(await browser.$(tid('key-banner')).isDisplayed(), false, 'no banner while the key works');

    // From now on the service accepts only another key: its own 401 answers the polls.
    await fake.admin('config', { required_key: testKey('other') });
    await until(async () => browser.$(tid('key-banner')).isDisplayed(), 'the key banner', 30_000);
    assert.match(await textOf(browser, tid('key-banner-title')), /The service refused your API key\./);
    assert.equal(await browser.$(tid('key-chip')).getAttribute('data-key-state'), 'rejected');
    assert.match(await browser.$(tid('key-chip')).getAttribute('class'), /\bbad\b/);
    await until(
      async () =>
        (await taskRows(browser)).find((row) => row.id === task.id)?.text.includes('Waiting for a working key'),
      'the task to wait for a working key',
    );

    // The banner leads to Settings. The account's key works again (the fake keeps a task
    // to the key that made it, as the service keeps it to its account): saving it there
    // lets the same task go on.
    await fake.admin('config', { required_key: null });
    assert.ok(await browser.$(tid('key-banner')).isDisplayed(), 'the banner stays until a key is saved');
    await clickWhenReady(browser, tid('key-banner-new-key'), 'Enter a new key');
    await until(async () => browser.$(tid('settings-key-input')).isDisplayed(), 'the key field in Settings');
    await until(
      async () => (await textOf(browser, tid('settings-key-engine'))).includes('The service refused this key.'),
      'Settings to say the key was refused',
    );
    const input = await browser.$(tid('settings-key-input'));
    await input.setValue(first);
    assert.equal(await input.getValue(), first);
    await clickWhenReady(browser, tid('settings-key-save'), 'Save key');
    await until(async () => !(await browser.$(tid('key-banner')).isDisplayed()), 'the banner to go', 30_000);
    await clickWhenReady(browser, tid('settings-close'), 'Close settings');
    await until(
      async () => (await galleryCards(browser)).find((c) => c.id === task.id && c.state === 'downloaded'),
      'the same task in the gallery',
      60_000,
    );
    assert.equal((await fake.stats()).create_task_calls, 1, 'nothing sent again');
  });
});
