// A task queued for one service is never sent to another behind the creator's back. Queued
// while the first service has no free slot, it is still queued when the app is started
// against another service: its row says "Waiting: made for another service", and only
// "Send to this service…", which first shows where it goes and what it costs, moves it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  launchApp,
  scenario,
  startFake,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

test('a task queued for another service waits until the creator moves it, cost shown', async (t) => {
  const other = await startFake();
  try {
    await scenario(t, '18-retarget', { fakeConfig: { concurrency_limit: 0 } }, async (ctx) => {
      const { fake, dataDir } = ctx;
      const key = testKey('retarget');
      await enterStudio(ctx.browser, key);
      await compose(ctx.browser, {
        prompt: 'A paper plane crossing a street [fake:gen=2]',
        model: 'seedance-20',
        resolution: '720p',
        duration: 5,
      });
      await clickWhenReady(ctx.browser, `${tid('generate')}:not([disabled])`, 'Generate');
      const task = await until(async () => (await taskRows(ctx.browser))[0], 'the task row');
      // The first service has no free slot: the task waits in this app's queue.
      await until(async () => (await fake.stats()).create_task_calls >= 1, 'a createTask refused for a slot');

      // Started again against another service, on the same data folder.
      await ctx.app.close();
      ctx.app = await launchApp({ fake: other, dataDir });
      ctx.browser = ctx.app.browser;
      const browser = ctx.browser;
      assert.equal(await enterStudio(browser, key), 'studio');
      const row = await until(
        async () =>
          (await taskRows(browser)).find((r) => r.id === task.id && r.text.includes('made for another service')),
        'the row to say it was made for another service',
      );
      assert.match(row.text, new RegExp(`Waiting: made for another service \\(${new URL(fake.baseUrl).host}\\)`));
      assert.equal((await other.stats()).create_task_calls, 0, 'nothing sent to the other service by itself');

      await clickWhenReady(
        browser,
        `${tid('task')}[data-task-id="${task.id}"] ${tid('task-retarget')}`,
        'Send to this service',
      );
      await until(async () => browser.$(tid('confirm-retarget')).isExisting(), 'the question with the cost');
      assert.match(
        await textOf(browser, tid('confirm-retarget')),
        new RegExp(
          `Send it to ${new URL(other.baseUrl).host} instead of ${new URL(fake.baseUrl).host}\\? It costs about 200 credits there\\.`,
        ),
      );
      assert.equal((await other.stats()).create_task_calls, 0, 'the quote sends nothing');
      await clickWhenReady(browser, tid('confirm-retarget-yes'), 'Yes, send it here');
      await until(
        async () => (await galleryCards(browser)).find((c) => c.id === task.id && c.state === 'downloaded'),
        'the same task finished on the other service',
        60_000,
      );
      assert.equal((await other.stats()).create_task_calls, 1, 'one createTask on the service it was moved to');
      assert.equal((await fake.stats()).tasks_created, 0, 'the first service made nothing');
    });
  } finally {
    other.stop();
  }
});
