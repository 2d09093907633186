// SIGTERM (the session ending, `kill`) ends the app as closing its window does: it exits on
// its own, the ledger records its clean close (so the next start skips the full integrity
// scan of the history), and the next start shows the same history and takes the record.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appPidsFor,
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  scenario,
  testKey,
  tid,
  until,
} from '../harness.mjs';

const RECORD = 'ledger.clean-close';

test('SIGTERM closes the app cleanly; the next start has the same history', async (t) => {
  await scenario(t, '13-sigterm-clean-close', {}, async (ctx) => {
    const key = testKey('sigterm');
    await enterStudio(ctx.browser, key);
    await compose(ctx.browser, {
      prompt: 'Paper boats on a rain gutter [fake:gen=2]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(ctx.browser, tid('generate'), 'Generate');
    const done = await until(
      async () => (await galleryCards(ctx.browser)).find((c) => c.state === 'downloaded'),
      'the finished video in the gallery',
      60_000,
    );
    assert.equal(existsSync(join(ctx.dataDir, RECORD)), false, 'no record while the app runs');

    const pids = appPidsFor(ctx.dataDir);
    assert.equal(pids.length, 1, `one app process for this data folder: ${pids}`);
    process.kill(pids[0], 'SIGTERM');
    await until(() => appPidsFor(ctx.dataDir).length === 0, 'the app to exit by itself', 15_000);
    const record = join(ctx.dataDir, RECORD);
    assert.ok(existsSync(record), 'the clean close was recorded');
    assert.match(readFileSync(record, 'utf8'), /^seedance-ledger-clean-close 1\nsize \d+\nmodified-ns \d+\n$/);

    const browser = await ctx.relaunch();
    assert.equal(await enterStudio(browser, key), 'studio', 'the key is still in the keychain');
    const cards = await until(async () => {
      const c = await galleryCards(browser);
      return c.length > 0 ? c : null;
    }, 'the history');
    assert.deepEqual(
      cards.map((c) => [c.id, c.state]),
      [[done.id, 'downloaded']],
      'the same history',
    );
    assert.equal(existsSync(record), false, 'the record vouches for one start only');
    assert.equal((await ctx.fake.stats()).create_task_calls, 1, 'nothing was sent again');
  });
});
