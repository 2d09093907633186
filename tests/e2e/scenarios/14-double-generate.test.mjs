// A double click on Generate (two clicks 50 ms apart, as a hurried creator makes) pays for
// one video: the button stays disabled until the engine has recorded the task, and the
// same draft sent again within seconds is refused by the engine and asked about. A
// deliberate second take, confirmed in the question, is one more createTask.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compose, enterStudio, galleryCards, scenario, taskRows, testKey, textOf, tid, until } from '../harness.mjs';

test('double click on Generate sends one createTask; a confirmed second take sends another', async (t) => {
  await scenario(t, '14-double-generate', {}, async (ctx) => {
    const { fake, browser } = ctx;
    await enterStudio(browser, testKey('double'));
    await compose(browser, {
      prompt: 'A kite over a windy beach [fake:gen=3]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await until(async () => browser.$(`${tid('generate')}:not([disabled])`).isExisting(), 'Generate to be enabled');
    // Both clicks in the page, 50 ms apart: WebDriver's own click round trips are slower
    // than a real double click.
    await browser.execute((sel) => {
      const button = document.querySelector(sel);
      button.click();
      setTimeout(() => button.click(), 50);
    }, tid('generate'));

    const first = await until(async () => (await taskRows(browser))[0], 'the task row');
    // The second click either met the disabled button or the engine's question; either
    // way nothing more is queued. Generate comes back once the first call has answered.
    await until(
      async () =>
        (await browser.$(tid('second-take')).isExisting()) ||
        (await browser.$(`${tid('generate')}:not([disabled])`).isExisting()),
      'Generate to be back (or the question)',
    );
    if (await browser.$(tid('second-take')).isExisting()) {
      await browser.$(tid('second-take-no')).click();
    }
    assert.equal((await taskRows(browser)).length, 1, 'one task for the double click');

    // A deliberate second take: Generate again with the same draft asks first, with
    // when the first one went and what another costs.
    await browser.$(tid('generate')).click();
    await until(async () => browser.$(tid('second-take')).isExisting(), 'the second-take question');
    assert.match(
      await textOf(browser, tid('second-take')),
      /You sent this same draft \d+ seconds? ago\. Send it again as a second take\? It costs 200 credits\./,
    );
    await browser.$(tid('second-take-yes')).click();
    const second = await until(
      async () => (await taskRows(browser)).find((row) => row.id !== first.id),
      'the second take in the tasks panel',
    );

    await until(
      async () => {
        const done = (await galleryCards(browser)).filter((c) => c.state === 'downloaded').map((c) => c.id);
        return done.includes(first.id) && done.includes(second.id);
      },
      'both videos in the gallery',
      60_000,
    );
    const stats = await fake.stats();
    assert.equal(stats.create_task_calls, 2, 'one createTask for the double click, one for the second take');
    assert.deepEqual(Object.values(stats.create_task_by_fingerprint), [2], 'the same request twice');
  });
});
