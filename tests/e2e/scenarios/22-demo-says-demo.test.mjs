// The demo says it is one. With SEEDANCE_DEMO=1 (against the fake service, as
// scripts/run-app.sh starts it) and no key saved, the first screen is the studio, not a
// request for a key; the key chip reads "Demo", Settings name the key and the service as
// the demo's and offer to leave it for a real key; a generation works.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, clickWhenReady, compose, galleryCards, scenario, textOf, tid, until } from '../harness.mjs';

test('demo: no key screen, the chip and Settings say Demo, and it generates', async (t) => {
  // A first run of the demo: no key may be left over in the keychain.
  const cleared = await cli(['--json', 'key', 'clear']);
  assert.equal(cleared.code, 0, `seedance key clear: ${cleared.stderr}`);

  await scenario(t, '22-demo-says-demo', { appEnv: () => ({ SEEDANCE_DEMO: '1' }) }, async ({ browser }) => {
    const first = await until(
      async () => {
        if (await (await browser.$(tid('onboarding'))).isExisting()) return 'onboarding';
        if (await (await browser.$(tid('compose'))).isExisting()) return 'studio';
        return null;
      },
      'the first screen',
      60_000,
    );
    assert.equal(first, 'studio', 'the demo does not ask for a key');
    assert.equal(await textOf(browser, tid('key-chip')), 'Demo · pretend credits');

    await clickWhenReady(browser, tid('open-settings'), 'Settings');
    await until(
      async () => (await textOf(browser, tid('settings-key-status'))).startsWith('Demo: '),
      'the demo key line',
    );
    const settings = await textOf(browser, tid('settings'));
    assert.match(settings, /Demo service on this computer/);
    assert.doesNotMatch(settings, /this session only/, 'the made-up key is not presented as a key of the creator');
    assert.equal(await textOf(browser, tid('settings-use-own-key')), 'Use my own key');
    await clickWhenReady(browser, tid('settings-close'), 'Close settings');

    await until(async () => (await textOf(browser, tid('generate'))).includes('credits'), 'the priced Generate');
    await compose(browser, { prompt: 'A demo lighthouse at dusk' });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    await until(
      async () => (await galleryCards(browser)).some((c) => c.state === 'downloaded'),
      'the demo video',
      60_000,
    );
  });
});
