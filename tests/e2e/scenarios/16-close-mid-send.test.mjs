// Closing while a createTask is on the wire (SIGTERM, as when the session ends): the app
// does not cut the request off. The window stays up saying "Finishing sending 1 task…" and
// what happens next, the answer's task id goes to the ledger, and the app exits by itself.
// Started again, it follows the same task to the end; createTask was sent once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appPidsFor,
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

test('closing mid-send waits for the answer and records the task id', async (t) => {
  await scenario(t, '16-close-mid-send', {}, async (ctx) => {
    const { fake } = ctx;
    const key = testKey('close');
    await enterStudio(ctx.browser, key);
    // The service makes the task at once and answers 4 s later.
    await fake.admin('faults', { endpoint: 'createTask', fault: { kind: 'delay', ms: 4000 }, times: 1 });
    await compose(ctx.browser, {
      prompt: 'A door closing slowly in the wind [fake:gen=2]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(ctx.browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const task = await until(
      async () => (await taskRows(ctx.browser)).find((row) => row.state === 'submitting'),
      'the task being sent',
    );
    await until(async () => (await fake.stats()).create_task_calls === 1, 'the createTask at the fake');

    const pids = appPidsFor(ctx.dataDir);
    assert.equal(pids.length, 1, `one app process for this data folder: ${pids}`);
    process.kill(pids[0], 'SIGTERM');
    await until(
      async () => (await textOf(ctx.browser, tid('closing-finishing'))) === 'Finishing sending 1 task…',
      'the window to say it finishes sending',
    );
    assert.match(await textOf(ctx.browser, tid('closing')), /Closing…/);
    await until(() => appPidsFor(ctx.dataDir).length === 0, 'the app to exit by itself', 30_000);

    // The answer was waited for: the ledger holds the service's task id.
    const status = await until(
      async () => {
        const out = await cli(['--json', 'status', String(task.id), '--offline'], { dataDir: ctx.dataDir });
        return out.code === 0 ? JSON.parse(out.stdout) : null;
      },
      'the ledger to be readable',
      15_000,
    );
    const remote = (await fake.stats()).tasks[0].task_id;
    assert.equal(status.task_id, remote, `the ledger has the task id: ${JSON.stringify(status)}`);

    const browser = await ctx.relaunch();
    assert.equal(await enterStudio(browser, key), 'studio');
    await until(
      async () => (await galleryCards(browser)).find((c) => c.id === task.id && c.state === 'downloaded'),
      'the same task finished after the restart',
      60_000,
    );
    assert.equal((await fake.stats()).create_task_calls, 1, 'no second createTask');
  });
});
