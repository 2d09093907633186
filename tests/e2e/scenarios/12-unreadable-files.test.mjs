// Start-up with an unreadable task history and an unreadable settings file (reliability:
// corruption): the app still opens, says in the window what happened and where the old
// files were kept, moves them aside byte for byte, and works on fresh ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickWhenReady, enterStudio, invoke, scenario, testKey, tid, until } from '../harness.mjs';

const LEDGER = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xab)]);
const SETTINGS = Buffer.from('{"preferences": {"theme": "dark", "notif');

test('unreadable history and settings: moved aside, said in the window, the app works', async (t) => {
  await scenario(
    t,
    '12-unreadable-files',
    {
      prepare: (dataDir) => {
        writeFileSync(join(dataDir, 'ledger.sqlite3'), LEDGER);
        writeFileSync(join(dataDir, 'settings.json'), SETTINGS);
      },
    },
    async ({ dataDir, browser }) => {
      await enterStudio(browser, testKey('unreadable'));
      const notices = await until(async () => {
        const texts = await browser.execute(() =>
          [...document.querySelectorAll('[data-testid="startup-notice"]')].map((p) => p.textContent),
        );
        return texts.length === 2 ? texts : null;
      }, 'two start-up notices');
      const files = readdirSync(dataDir);
      const ledgerAside = files.find((f) => f.startsWith('ledger.sqlite3.corrupt-'));
      const settingsAside = files.find((f) => f.startsWith('settings.json.corrupt-'));
      assert.ok(ledgerAside && settingsAside, `both files moved aside: ${files.join(', ')}`);
      assert.deepEqual(readFileSync(join(dataDir, ledgerAside)), LEDGER, 'the old history is kept byte for byte');
      assert.deepEqual(readFileSync(join(dataDir, settingsAside)), SETTINGS, 'the old settings are kept byte for byte');
      assert.ok(
        notices.some((n) => /task history could not be read/i.test(n) && n.includes(ledgerAside)),
        notices.join(' | '),
      );
      assert.ok(
        notices.some((n) => /settings could not be read/i.test(n) && n.includes(settingsAside)),
        notices.join(' | '),
      );

      // The app works on the fresh files: settings save, the history lists.
      const view = await invoke(browser, 'settings_get');
      const saved = await invoke(browser, 'settings_set', {
        preferences: { ...view.value.preferences, theme: 'light' },
      });
      assert.equal(saved.ok, true, JSON.stringify(saved));
      const page = await invoke(browser, 'gallery_list', { query: { states: [], text: null, offset: 0, limit: 10 } });
      assert.equal(page.ok, true, JSON.stringify(page));
      assert.equal(page.value.total, 0);

      await clickWhenReady(browser, tid('dismiss-notices'), 'Dismiss');
      await until(async () => !(await (await browser.$(tid('startup-notices'))).isExisting()), 'the notices to go');
    },
  );
});
