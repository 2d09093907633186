// One source of task state: a task's row, its library card and its open details show the
// same state at every change (a MutationObserver snapshots all three after every DOM
// change), a first generation is in the library while it runs, and the running row draws
// its progress against the model's usual time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

/** Snapshots (row, card, details) of every task after each DOM change, in the page. */
async function recordStates(browser) {
  await browser.execute(() => {
    const snaps = [];
    window.__e2eStates = snaps;
    const snap = () => {
      const ids = new Set(
        [...document.querySelectorAll('[data-testid="task"], [data-testid="gallery-card"]')].map((el) =>
          Number(el.dataset.taskId),
        ),
      );
      const details = document.querySelector('[data-testid="details-state"]');
      for (const id of ids) {
        const row = document.querySelector(`[data-testid="task"][data-task-id="${id}"] [data-testid="task-state"]`);
        const card = document.querySelector(`[data-testid="gallery-card"][data-task-id="${id}"]`);
        const open = document.querySelector('[data-testid="details"]')?.dataset.taskId;
        snaps.push({
          id,
          row: row?.dataset.state ?? null,
          card: card?.dataset.state ?? null,
          details: details && Number(open) === id ? details.dataset.state : null,
          progress: Boolean(
            document.querySelector(`[data-testid="task"][data-task-id="${id}"] [data-testid="run-progress"]`),
          ),
        });
      }
    };
    snap();
    new MutationObserver(snap).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

test('one task state: row, card and details agree at every change; a first generation shows at once', async (t) => {
  await scenario(t, '20-one-task-state', {}, async ({ browser }) => {
    await enterStudio(browser, testKey('one-state'));
    await recordStates(browser);
    // Real seconds for the queue and the generation, so each state lasts several polls.
    const prompt = 'A paper lantern rising over a lake at night [fake:wait=4] [fake:gen=5]';
    await compose(browser, { prompt, model: 'seedance-20', resolution: '720p', duration: 5 });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');

    // In the library while it runs, not only once it is done.
    const running = await until(async () => {
      const [card] = await galleryCards(browser);
      return card && card.state !== 'downloaded' ? card : null;
    }, 'the running task in the library');
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${running.id}"]`, 'the running card');
    await until(async () => (await browser.$(tid('details-state'))).isExisting(), 'the details');
    // The details list the references the task used: none for text to video.
    await until(
      async () => (await textOf(browser, tid('details-references'))) === 'None (text only)',
      'the references used in the details',
    );

    await until(
      async () => (await galleryCards(browser)).find((c) => c.id === running.id)?.state === 'downloaded',
      'the video to be done',
      90_000,
    );
    await until(
      () =>
        browser.execute(() => document.querySelector('[data-testid="details-state"]')?.dataset.state === 'downloaded'),
      'the open details to say Done',
    );
    const snaps = (await browser.execute(() => window.__e2eStates)).filter((s) => s.id === running.id);

    const disagree = snaps.filter((s) => {
      const shown = [s.row, s.card, s.details].filter((x) => x !== null);
      return new Set(shown).size > 1;
    });
    assert.deepEqual(disagree.slice(0, 5), [], 'the row, the card and the details never disagree');
    const cardStates = [...new Set(snaps.map((s) => s.card).filter(Boolean))];
    assert.ok(cardStates.includes('waiting'), `the card showed waiting (saw ${cardStates.join(' → ')})`);
    assert.ok(cardStates.includes('generating'), `the card showed generating (saw ${cardStates.join(' → ')})`);
    const detailStates = [...new Set(snaps.map((s) => s.details).filter(Boolean))];
    assert.ok(
      detailStates.includes('generating') && detailStates.at(-1) === 'downloaded',
      `the open details followed the task (saw ${detailStates.join(' → ')})`,
    );
    assert.ok(
      snaps.some((s) => s.row === 'generating' && s.progress),
      'the generating row draws its progress against the usual time',
    );
  });
});
