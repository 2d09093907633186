// Leaving the demo for one's own key, and coming back, from Settings. The app starts as
// the demo (SEEDANCE_DEMO=1) against the demo's fake; SEEDANCE_REAL_API_BASE points at a
// second fake playing the real service, so nothing leaves this computer. Settings show
// the demo's pretend balance (read from the demo service). "Use my own key" moves the app
// to the "real" address and asks for a key; a demo task still waiting stays in the
// history as made for another service and nothing is sent for it there; a new video goes
// to the real address. "Back to the demo" returns: the chip says Demo again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cli,
  clickWhenReady,
  compose,
  galleryCards,
  scenario,
  startFake,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

test('leave the demo for your own key and come back, nothing sent to the wrong service', async (t) => {
  const cleared = await cli(['--json', 'key', 'clear']);
  assert.equal(cleared.code, 0, `seedance key clear: ${cleared.stderr}`);
  const real = await startFake();
  try {
    await scenario(
      t,
      '30-leave-the-demo',
      { appEnv: () => ({ SEEDANCE_DEMO: '1', SEEDANCE_REAL_API_BASE: real.baseUrl }) },
      async ({ browser, fake: demo }) => {
        await until(async () => (await browser.$(tid('compose'))).isExisting(), 'the studio', 60_000);
        assert.equal(await textOf(browser, tid('key-chip')), 'Demo · pretend credits');
        await until(async () => (await textOf(browser, tid('generate'))).includes('credits'), 'the priced Generate');

        // One demo video done; a second one waits in the queue (the demo service is full).
        await compose(browser, { prompt: 'A demo kite over a beach' });
        await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
        await until(
          async () => (await galleryCards(browser)).some((c) => c.state === 'downloaded'),
          'the demo video',
          60_000,
        );
        await demo.admin('config', { concurrency_limit: 0 });
        await compose(browser, { prompt: 'A demo sandcastle at noon' });
        await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate the waiting one');
        await until(async () => (await demo.stats()).create_task_calls >= 2, 'the second refused for a slot');
        const waiting = await until(
          async () => (await taskRows(browser)).find((r) => r.prompt.includes('sandcastle')),
          'the waiting row',
        );

        // The pretend balance, from the demo service: one 200-credit video spent.
        await clickWhenReady(browser, tid('open-settings'), 'Settings');
        await until(
          async () => /999,800 credits/.test(await textOf(browser, tid('settings-demo-balance'))),
          'the pretend balance',
        );

        await clickWhenReady(browser, tid('settings-use-own-key'), 'Use my own key');
        await until(
          async () =>
            (await textOf(browser, tid('settings-status'))) === 'You left the demo. Paste your own API key to start.',
          'asked for a key',
        );
        assert.doesNotMatch(await textOf(browser, tid('settings')), /Demo service on this computer/);
        assert.notEqual(await textOf(browser, tid('key-chip')), 'Demo · pretend credits');
        const key = testKey('leave-demo');
        await browser.execute(
          (sel, value) => {
            const input = document.querySelector(sel);
            input.value = value;
            input.dispatchEvent(new Event('input', { bubbles: true }));
          },
          tid('settings-key-input'),
          key,
        );
        await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-key-save'));
        await until(
          async () => (await textOf(browser, tid('settings-status'))) === 'Key saved in the system keychain.',
          'the key saved',
        );
        await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-close'));
        assert.equal(await textOf(browser, tid('key-chip')), `Key …${key.slice(-4)} · system keychain`);

        // The demo's waiting task stays, made for the demo service; nothing goes anywhere.
        const row = await until(
          async () =>
            (await taskRows(browser)).find((r) => r.id === waiting.id && r.text.includes('made for another service')),
          'the demo task waiting as made for another service',
        );
        assert.match(row.text, new RegExp(`\\(${new URL(demo.baseUrl).host}\\)`));
        assert.equal((await real.stats()).create_task_calls, 0, 'nothing of the demo sent to the real address');

        // A new video goes to the real address, under the creator's key.
        await compose(browser, { prompt: 'My own lighthouse at dusk' });
        await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate on the real address');
        await until(async () => (await real.stats()).create_task_calls === 1, 'one createTask on the real address');

        // Back to the demo.
        await clickWhenReady(browser, tid('open-settings'), 'Settings again');
        await clickWhenReady(browser, tid('settings-back-to-demo'), 'Back to the demo');
        await until(
          async () => (await textOf(browser, tid('settings-status'))).startsWith('Back in the demo'),
          'back in the demo',
        );
        assert.match(await textOf(browser, tid('settings')), /Demo service on this computer/);
        await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-close'));
        assert.equal(await textOf(browser, tid('key-chip')), 'Demo · pretend credits');
        assert.equal((await real.stats()).create_task_calls, 1, 'the real address got only the one video');
        assert.equal((await demo.stats()).tasks_created, 1, 'the demo service made only the demo video');
      },
    );
  } finally {
    real.stop();
  }
});
