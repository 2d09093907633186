// The app is killed (SIGKILL) while a paid task is generating; started again on the same
// data folder it picks the task up where it was and finishes it, without sending it again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appPidsFor,
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  scenario,
  taskRows,
  testKey,
  tid,
  until,
} from '../harness.mjs';

test('kill -9 while generating: the restarted app resumes and finishes the same task', async (t) => {
  await scenario(t, '07-kill-resume', {}, async (ctx) => {
    const key = testKey('kill');
    await enterStudio(ctx.browser, key);
    await compose(ctx.browser, {
      prompt: 'A lighthouse beam sweeping through fog [fake:gen=8]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(ctx.browser, tid('generate'), 'Generate');
    const row = await until(
      async () => (await taskRows(ctx.browser)).find((r) => r.state === 'generating'),
      'the task to be generating',
      30_000,
    );

    const pids = appPidsFor(ctx.dataDir);
    assert.equal(pids.length, 1, `one app process for this data folder: ${pids}`);
    process.kill(pids[0], 'SIGKILL');
    await until(() => appPidsFor(ctx.dataDir).length === 0, 'the app to be gone');
    const before = await ctx.fake.stats();
    assert.equal(before.tasks[0].status, 'generating', 'the service is still making it');

    const browser = await ctx.relaunch();
    assert.equal(await enterStudio(browser, key), 'studio', 'the key is still in the keychain');
    const done = await until(
      async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded'),
      'the resumed task to finish',
      60_000,
    );
    assert.equal(done.id, row.id, 'the same task finished');
    assert.equal((await galleryCards(browser)).length, 1, 'no second task');

    const stats = await ctx.fake.stats();
    assert.equal(stats.create_task_calls, 1, 'createTask was sent once');
    assert.equal(stats.tasks[0].status, 'success');
  });
});
