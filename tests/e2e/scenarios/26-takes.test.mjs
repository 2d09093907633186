// Generate ×3: one click makes three linked tasks with their total shown before anything
// is paid; the same click again within seconds asks, and declined sends nothing. The
// library shows the takes together ("Take 1 of 3"); one starred is exactly what the
// Starred filter shows, and one rejected says so on its card and in its details.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  generateState,
  scenario,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

/** The library's cells as { id, verdict, badge }, in the grid's order. */
async function cells(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="gallery-cell"]')].map((cell) => ({
      id: Number(cell.dataset.taskId),
      verdict: cell.dataset.verdict,
      badge: cell.querySelector('[data-testid="take-badge"]')?.textContent ?? null,
    })),
  );
}

test('Generate ×3 makes three takes once; star, Starred filter and reject', async (t) => {
  await scenario(t, '26-takes', {}, async ({ fake, browser }) => {
    await enterStudio(browser, testKey('takes'));
    await compose(browser, {
      prompt: 'Three takes of a lighthouse at dusk [fake:gen=3]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, tid('takes-3'), '×3');
    // The total for all three, before anything is paid.
    const priced = await until(async () => {
      const state = await generateState(browser);
      return !state.disabled && state.label.startsWith('Generate 3 takes') ? state : null;
    }, 'Generate 3 takes, priced');
    assert.match(priced.label, /^Generate 3 takes · 600 credits/, priced.label);
    assert.equal(await browser.$(`${tid('takes-3')}[aria-pressed="true"]`).isExisting(), true);

    // One click: three tasks, recorded together.
    await browser.$(tid('generate')).click();
    const rows = await until(async () => {
      const now = await taskRows(browser);
      return now.length === 3 ? now : null;
    }, 'three task rows');

    // The same click again within seconds: the engine asks; declined, nothing is sent.
    await until(async () => !(await generateState(browser)).disabled, 'Generate to be back');
    await browser.$(tid('generate')).click();
    await until(async () => browser.$(tid('second-take')).isExisting(), 'the question about more takes');
    assert.match(
      await textOf(browser, tid('second-take')),
      /You sent this same draft \d+ seconds? ago\. Make 3 more takes\? They cost 600 credits\./,
    );
    await browser.$(tid('second-take-no')).click();
    await until(async () => !(await browser.$(tid('second-take')).isExisting()), 'the question to close');

    const ids = rows.map((r) => r.id).sort((a, b) => a - b);
    await until(
      async () => {
        const done = (await galleryCards(browser)).filter((c) => c.state === 'downloaded').map((c) => c.id);
        return ids.every((id) => done.includes(id));
      },
      'the three takes in the library',
      90_000,
    );
    assert.equal((await taskRows(browser)).filter((r) => !ids.includes(r.id)).length, 0, 'no fourth task');
    const stats = await fake.stats();
    assert.equal(stats.create_task_calls, 3, 'one click, three createTask; the declined repeat sent nothing');
    assert.equal(Object.keys(stats.create_task_by_fingerprint).length, 3, 'three different requests (seeds)');

    // Shown together, in the order they were made.
    const library = await cells(browser);
    const takes = library.filter((c) => ids.includes(c.id));
    assert.deepEqual(
      takes.map((c) => c.badge),
      ['Take 1 of 3', 'Take 2 of 3', 'Take 3 of 3'],
    );
    const at = library.findIndex((c) => c.id === ids[0]);
    assert.deepEqual(
      library.slice(at, at + 3).map((c) => c.id),
      ids,
      'next to each other',
    );

    // Star take 2 from its card: the Starred filter shows exactly it.
    const starred = ids[1];
    await clickWhenReady(browser, `${tid('gallery-cell')}[data-task-id="${starred}"] ${tid('card-star')}`, 'Star');
    await until(
      async () => (await cells(browser)).find((c) => c.id === starred)?.verdict === 'starred',
      'the card to show starred',
    );
    await clickWhenReady(browser, tid('filter-starred'), 'the Starred filter');
    await until(async () => {
      const shown = (await galleryCards(browser)).map((c) => c.id);
      return shown.length === 1 && shown[0] === starred;
    }, 'the Starred filter to show exactly the starred take');
    assert.match(await textOf(browser, tid('gallery-count')), /^1 starred$/);

    // Reject take 3 from its details: its card and its details say so.
    await clickWhenReady(browser, tid('filter-all'), 'All');
    const rejected = ids[2];
    await until(async () => (await cells(browser)).some((c) => c.id === rejected), 'take 3 back in the library');
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${rejected}"]`, 'take 3');
    await until(async () => (await textOf(browser, tid('details-prompt'))).startsWith('Take 3 of 3'), 'its details');
    await clickWhenReady(browser, tid('details-reject', tid('details')), 'Reject');
    await until(
      async () => browser.$(`${tid('details-reject')}[aria-pressed="true"]`).isExisting(),
      'the details to show it rejected',
    );
    await until(
      async () => (await cells(browser)).find((c) => c.id === rejected)?.verdict === 'rejected',
      'the card to show it rejected',
    );
    const verdicts = Object.fromEntries((await cells(browser)).map((c) => [c.id, c.verdict]));
    assert.deepEqual(
      ids.map((id) => verdicts[id]),
      ['', 'starred', 'rejected'],
    );
    const list = await browser.execute(
      () => document.querySelector('[data-testid="details-reject"]')?.getAttribute('aria-label') ?? '',
    );
    assert.match(list, /^Rejected/);
  });
});
