// Extend a finished clip in the window: its details' "Extend…" asks what happens next and
// for how long, prices it both ways ("reserves … now, about … when done") and sends
// nothing until the creator confirms; the extension is a new task linked to its source,
// and once it is in the library its details make the joined clip (source + new footage,
// one file), whose length ffprobe checks against the two parts. The fake renders real
// videos (`--render-results`), so every file is a real one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  clickWhenReady,
  compose,
  detailsTaskId,
  enterStudio,
  fillField,
  galleryCards,
  invoke,
  pressInView,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

const duration = (path) =>
  Number(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], {
      encoding: 'utf8',
    }).trim(),
  );

test('extend a clip: priced both ways, confirmed, linked, joined into one file', async (t) => {
  await scenario(
    t,
    '25-extend',
    { fake: { timeScale: 0.01, args: ['--render-results'] } },
    async ({ fake, browser }) => {
      await enterStudio(browser, testKey('extend'));
      await compose(browser, { prompt: 'A paper boat drifts down a gutter stream', duration: 4 });
      await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
      const source = await until(
        async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded') ?? null,
        'the source clip in the library',
        120_000,
      );
      assert.equal((await fake.stats()).create_task_calls, 1);

      await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${source.id}"]`, 'the source card');
      await pressInView(browser, tid('action-extend'), 'Extend…');
      await fillField(browser, tid('clip-change-prompt'), 'The boat tips over a drain and spins away');
      await fillField(browser, tid('clip-change-seconds'), '5');
      const price = await until(async () => {
        const text = await textOf(browser, tid('clip-change-price'));
        return /reserves .* now, about .* when done/.test(text) ? text : null;
      }, 'the price both ways');
      t.diagnostic(price);
      await pressInView(browser, `${tid('clip-change-send')}:not([disabled])`, 'Send…');
      await until(async () => (await browser.$(tid('confirm-clip-change-yes'))).isExisting(), 'the confirmation');
      assert.equal((await fake.stats()).create_task_calls, 1, 'nothing is sent before the creator confirms');
      await pressInView(browser, tid('confirm-clip-change-yes'), 'Yes, send it');

      // The new task's details open, linked to its source.
      const extension = await until(async () => {
        const id = await detailsTaskId(browser);
        return id !== null && id !== source.id ? id : null;
      }, 'the extension details');
      assert.equal((await fake.stats()).create_task_calls, 2, 'one extension sent');
      const sent = await invoke(browser, 'task_get', { id: extension });
      assert.ok(sent.ok, JSON.stringify(sent));
      assert.equal(sent.value.source_task, source.id);
      assert.equal(sent.value.model, 'seedance2-5-extend');

      await until(
        async () => {
          const now = await invoke(browser, 'task_get', { id: extension });
          return now.ok && now.value.state === 'downloaded';
        },
        'the extension in the library',
        120_000,
      );
      // Its details, freshly opened: source → this extension, and the join offered.
      await clickWhenReady(browser, tid('details-close'), 'Close details');
      await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${extension}"]`, 'the extension card');
      assert.match(await textOf(browser, tid('details-clip-links')), new RegExp(`Source #${source.id}`));
      // What was reserved at submission, and the service's settled charge once read after
      // success (the service's own figure: the quote's "about" is the app's estimate).
      const reserved = price.match(/reserves (\d+) credits now/)[1];
      const charge = await until(async () => {
        const text = await textOf(browser, tid('details-settlement'));
        return /^reserved \d+ · settled \d+$/.test(text) ? text : null;
      }, 'reserved and settled credits in the details');
      t.diagnostic(charge);
      const [held, settled] = charge.match(/\d+/g).map(Number);
      assert.equal(held, Number(reserved), 'the details show what was reserved');
      assert.ok(settled > held, `an extension settles above its reservation: ${charge}`);
      await pressInView(browser, tid('action-join'), 'Make the joined clip', 60_000);
      const joined = await until(
        () =>
          browser.execute((sel) => document.querySelector(sel)?.dataset.path ?? null, '[data-testid="details-joined"]'),
        'the joined clip link',
        120_000,
      );
      assert.ok(existsSync(joined), `the joined clip is on disk: ${joined}`);

      const parts = await Promise.all(
        [source.id, extension].map(async (id) => {
          const task = await invoke(browser, 'task_get', { id });
          assert.ok(task.ok && task.value.video_path, JSON.stringify(task));
          return duration(task.value.video_path);
        }),
      );
      const total = duration(joined);
      t.diagnostic(`joined ${total} s; source ${parts[0]} s + extension ${parts[1]} s`);
      assert.ok(
        Math.abs(total - (parts[0] + parts[1])) <= 0.1,
        `the joined clip lasts ${total} s, source + extension ${parts[0] + parts[1]} s (within 0.1 s)`,
      );
      const after = await invoke(browser, 'task_get', { id: extension });
      assert.equal(after.value.joined_path, joined, 'the joined clip is recorded with the extension');
      assert.equal((await fake.stats()).create_task_calls, 2, 'joining sends nothing');
    },
  );
});
