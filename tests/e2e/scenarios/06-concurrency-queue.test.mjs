// The account allows one generation at a time (fake concurrency_limit 1) and the creator
// starts three: one runs, two wait and go out in order; the service's 429 never reaches
// the creator as a failure, and the service never runs two at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  invoke,
  recordElements,
  recorded,
  scenario,
  taskRows,
  testKey,
  tid,
  until,
} from '../harness.mjs';

test('concurrency limit 1: three generations queue locally and finish in order', async (t) => {
  await scenario(t, '06-concurrency-queue', { fakeConfig: { concurrency_limit: 1 } }, async ({ fake, browser }) => {
    await enterStudio(browser, testKey('queue'));
    await recordElements(browser, 'cards', tid('failure-card'));
    const prompts = ['First: a fox in snow', 'Second: a heron at dusk', 'Third: a tram in rain'];
    for (const [i, prompt] of prompts.entries()) {
      await compose(browser, { prompt, model: 'seedance-20', resolution: '720p', duration: 5 });
      await clickWhenReady(browser, tid('generate'), 'Generate');
      await until(async () => (await taskRows(browser)).length >= i + 1, `task ${i + 1} in the list`);
    }

    // Waiting = not yet running on the service: 'queued' locally, or 'submitting' for the
    // one the service refused with 429 (the engine keeps its prepared body and sends it
    // again when a slot frees).
    const notStarted = ['queued', 'submitting'];
    let twoWaitWhileOneRuns = null;
    let twoQueuedWhileOneRuns = false;
    const timeline = [];
    await until(
      async () => {
        const rows = await taskRows(browser);
        const snapshot = rows.map((r) => `${r.id}:${r.state}`).join(' ');
        if (timeline[timeline.length - 1] !== snapshot) timeline.push(snapshot);
        const running = rows.filter((r) => ['waiting', 'generating'].includes(r.state));
        assert.ok(running.length <= 1, `at most one runs at a time: ${snapshot}`);
        const waiting = rows.filter((r) => notStarted.includes(r.state));
        if (running.length === 1 && waiting.length === 2) {
          twoWaitWhileOneRuns ??= snapshot;
          if (waiting.every((r) => r.state === 'queued')) twoQueuedWhileOneRuns = true;
        }
        const done = (await galleryCards(browser)).filter((c) => c.state === 'downloaded');
        return done.length === 3;
      },
      'three finished videos',
      120_000,
    );
    assert.ok(twoWaitWhileOneRuns, `two waited while one ran: ${timeline.join(' | ')}`);
    t.diagnostic(`timeline: ${timeline.join(' | ')}`);

    // The one refused with 429 goes back to the queue, so both read as waiting for a slot.
    await t.test('both waiting tasks read "Waiting for a free slot"', () => {
      assert.ok(twoQueuedWhileOneRuns, `timeline: ${timeline.join(' | ')}`);
    });

    const shown = await recorded(browser, 'cards');
    assert.deepEqual(shown, [], `no failure card at any moment: ${JSON.stringify(shown)}`);

    // Finished in the order they were started.
    const page = await invoke(browser, 'gallery_list', { query: { text: null, states: [], offset: 0, limit: 10 } });
    const byId = [...page.value.items].sort((a, b) => a.id - b.id);
    assert.deepEqual(
      byId.map((task) => task.prompt),
      prompts,
    );
    for (let i = 1; i < byId.length; i += 1) {
      assert.ok(byId[i].completed_at_ms > byId[i - 1].completed_at_ms, 'finished in order');
    }

    // On the service: three tasks, one after the other, never overlapping.
    const stats = await fake.stats();
    const tasks = [...stats.tasks].sort((a, b) => a.create_time - b.create_time);
    assert.equal(tasks.length, 3);
    for (let i = 1; i < tasks.length; i += 1) {
      assert.ok(tasks[i].create_time >= tasks[i - 1].complete_time, `task ${i + 1} started after task ${i} ended`);
    }
    t.diagnostic(`createTask calls ${stats.create_task_calls}, 429s ${stats.responses_by_status['429'] ?? 0}`);
  });
});
