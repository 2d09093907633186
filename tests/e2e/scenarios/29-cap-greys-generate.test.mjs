// The spending cap greys Generate before any click. With a daily cap of 500 credits and
// two 200-credit videos sent against the fake, the next draft (another 200) would pass
// the cap: Generate is disabled with the cap's plain reason as soon as the draft is
// typed, before any click, and neither a click nor Ctrl+Enter sends anything (2
// createTask). Raising the cap in Settings lifts it, again without a click.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  generateState,
  scenario,
  testKey,
  tid,
  until,
} from '../harness.mjs';

async function setDailyCap(browser, credits) {
  await clickWhenReady(browser, tid('open-settings'), 'Settings');
  // Until the dialog is drawn afresh (aria-busy) its fields and its "Settings saved." are
  // the last opening's: a value typed there would be replaced by the stored one.
  await until(
    () =>
      browser.execute((sel) => {
        const field = document.querySelector(sel);
        const dialog = field?.closest('dialog');
        return Boolean(dialog?.open && !dialog.hasAttribute('aria-busy'));
      }, tid('settings-daily-cap')),
    'the settings drawn afresh',
  );
  // Through the DOM: the field may sit below the dialog's fold at 1280×800.
  await browser.execute(
    (sel, value) => {
      const input = document.querySelector(sel);
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    tid('settings-daily-cap'),
    String(credits),
  );
  await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-save'));
  await until(
    () =>
      browser.execute((sel) => document.querySelector(sel)?.textContent === 'Settings saved.', tid('settings-status')),
    'the cap saved',
  );
  await browser.execute((sel) => document.querySelector(sel).click(), tid('settings-close'));
}

test('the daily cap greys Generate with its reason before any click, for every take', async (t) => {
  await scenario(t, '29-cap-greys-generate', {}, async ({ browser, fake }) => {
    await enterStudio(browser, testKey('cap'));
    await setDailyCap(browser, 500);

    for (const [n, prompt] of ['A lighthouse in fog', 'A harbour at dawn'].entries()) {
      await compose(browser, { prompt });
      await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, `Generate ${n + 1}`);
      await until(async () => (await fake.stats()).create_task_calls === n + 1, `video ${n + 1} sent`);
    }

    // A new draft: 400 spent today, this costs 200, the cap is 500.
    await compose(browser, { prompt: 'A ferry leaving the harbour' });
    const greyed = await until(async () => {
      const g = await generateState(browser);
      return g.disabled && /limit/.test(g.reason) ? g : null;
    }, 'Generate greyed with the cap before any click');
    assert.equal(
      greyed.reason,
      "Today's limit of 500 credits would be passed: 400 spent, 100 left, this costs 200. Raise the limit in Settings, or wait: it resets at midnight.",
    );
    assert.match(greyed.label, /200 credits/, 'the price is still shown');

    // Neither a click (in the page, past the disabled state) nor Ctrl+Enter sends it.
    await browser.execute((sel) => document.querySelector(sel).click(), tid('generate'));
    await (await browser.$(tid('prompt'))).click();
    await browser.keys(['Control', 'Enter']);
    // Both videos are in the library (running or done); a third task would be there too.
    await until(async () => (await galleryCards(browser)).length === 2, 'the two videos in the library');
    assert.equal((await fake.stats()).create_task_calls, 2, 'the third draft was not sent');
    const stillGreyed = await generateState(browser);
    assert.equal(stillGreyed.disabled, true);

    // A raised cap lifts it at once: no click needed to find out.
    await setDailyCap(browser, 1000);
    await until(async () => !(await generateState(browser)).disabled, 'Generate enabled under the raised cap');

    // Four takes count four times: 400 spent + 800 passes 1000, so ×4 greys it; ×1 does not.
    await browser.execute((sel) => document.querySelector(sel).click(), tid('takes-4'));
    const fourTakes = await until(async () => {
      const g = await generateState(browser);
      return g.disabled && /limit/.test(g.reason) ? g : null;
    }, 'Generate greyed for four takes');
    assert.match(fourTakes.reason, /400 spent, 600 left, this costs 800\./);
    await browser.execute((sel) => document.querySelector(sel).click(), tid('takes-1'));
    await until(async () => !(await generateState(browser)).disabled, 'Generate enabled for one take');
    assert.equal((await fake.stats()).create_task_calls, 2, 'nothing was sent by the checks');
  });
});
