// Edit a finished clip from its details, and the links both ways. "Edit…" asks what
// changes and prices it; Send asks again with the price in the question and nothing is
// sent (1 createTask) until "Yes, send it" (2). The edit (`seedance2-5-edit`) opens linked
// to its source ("Source #n → this edit"), and the source's details list the edit among
// the clips made from it, a link back to the edit's details.

import { test } from 'node:test';
import assert from 'node:assert/strict';
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

test('edit a clip: priced, confirmed, and linked from both ends', async (t) => {
  await scenario(
    t,
    '32-edit-links-both-ways',
    { fake: { timeScale: 0.01, args: ['--render-results'] } },
    async ({ fake, browser }) => {
      await enterStudio(browser, testKey('edit-links'));
      await compose(browser, { prompt: 'A cyclist rides along a canal at dawn', duration: 4 });
      await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
      const source = await until(
        async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded') ?? null,
        'the source clip in the library',
        120_000,
      );

      await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${source.id}"]`, 'the source card');
      await pressInView(browser, tid('action-edit'), 'Edit…');
      await fillField(browser, tid('clip-change-prompt'), 'Make the bicycle bright yellow');
      const price = await until(async () => {
        const text = await textOf(browser, tid('clip-change-price'));
        return /reserves \d+ credits now/.test(text) ? text : null;
      }, 'the price of the edit');
      t.diagnostic(price);
      await pressInView(browser, `${tid('clip-change-send')}:not([disabled])`, 'Send…');
      await until(async () => (await browser.$(tid('confirm-clip-change'))).isExisting(), 'the confirmation');
      const question = await textOf(browser, tid('confirm-clip-change'));
      const reserved = price.match(/reserves (\d+) credits now/)[1];
      assert.match(question, new RegExp(`Send this edit\\? It reserves ${reserved} credits now`), question);
      assert.equal((await fake.stats()).create_task_calls, 1, 'nothing is sent before "Yes"');
      await pressInView(browser, tid('confirm-clip-change-yes'), 'Yes, send it');

      const edit = await until(async () => {
        const id = await detailsTaskId(browser);
        return id !== null && id !== source.id ? id : null;
      }, 'the edit details');
      assert.equal((await fake.stats()).create_task_calls, 1 + 1, 'one edit sent');
      const sent = await invoke(browser, 'task_get', { id: edit });
      assert.equal(sent.value.model, 'seedance2-5-edit');
      assert.equal(sent.value.source_task, source.id);
      assert.match(
        await textOf(browser, tid('details-clip-links')),
        new RegExp(`Source #${source.id} → this edit #${edit}`),
      );

      // The source lists the edit, and its link opens the edit's details.
      await pressInView(browser, tid('details-source'), 'Source #n');
      await until(async () => (await detailsTaskId(browser)) === source.id, 'the source details');
      const listed = await until(async () => {
        const text = await textOf(browser, tid('details-made-from'));
        return text.includes(`Edit #${edit}`) ? text : null;
      }, 'the source listing its edit');
      assert.match(listed, /^Made from this clip: Edit #\d+ \(/);
      await pressInView(browser, `${tid('details-made-from-link')}[data-task-id="${edit}"]`, 'the edit link');
      await until(async () => (await detailsTaskId(browser)) === edit, 'the edit details again');
      assert.equal((await fake.stats()).create_task_calls, 2, 'following links sends nothing');
    },
  );
});
