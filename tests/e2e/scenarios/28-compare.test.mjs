// Compare two takes: from the take group's card, both videos open side by side, both
// read their files and play together from one control, and what differs between their
// requests is listed: here only the seed. The details offer the same comparison
// ("Compare with…", the other take first).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickWhenReady,
  compose,
  enterStudio,
  galleryCards,
  invoke,
  scenario,
  taskRows,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

/** Both compare players as { duration, time, paused, mediaError }. */
async function players(browser) {
  return browser.execute(() =>
    ['a', 'b'].map((side) => {
      const v = document.querySelector(`[data-testid="compare-video-${side}"]`);
      // Not `error`: a WebDriver answer with an `error` key reads as a failed command.
      return v
        ? { duration: v.duration, time: v.currentTime, paused: v.paused, mediaError: v.error?.code ?? null }
        : null;
    }),
  );
}

test('compare two takes: both play together and the seed difference is listed', async (t) => {
  await scenario(t, '28-compare', {}, async ({ browser }) => {
    await enterStudio(browser, testKey('compare'));
    await compose(browser, {
      prompt: 'Two takes of a paper boat on a pond [fake:gen=3]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, tid('takes-2'), '×2');
    await until(
      async () => (await textOf(browser, tid('generate'))).startsWith('Generate 2 takes'),
      'Generate 2 takes',
    );
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate 2 takes');
    const ids = (
      await until(async () => {
        const rows = await taskRows(browser);
        return rows.length === 2 ? rows : null;
      }, 'two task rows')
    )
      .map((r) => r.id)
      .sort((a, b) => a - b);
    await until(
      async () => {
        const done = (await galleryCards(browser)).filter((c) => c.state === 'downloaded').map((c) => c.id);
        return ids.every((id) => done.includes(id));
      },
      'both takes in the library',
      90_000,
    );
    const seeds = [];
    for (const id of ids) {
      const answer = await invoke(browser, 'task_request', { id });
      assert.ok(answer.ok, JSON.stringify(answer));
      seeds.push(answer.value.seed);
    }
    assert.notEqual(seeds[0], seeds[1], `takes have different seeds: ${seeds}`);

    // The details offer the other take of the group.
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${ids[0]}"]`, 'take 1');
    await clickWhenReady(browser, tid('action-compare', tid('details')), 'Compare with…');
    await until(
      async () => browser.$(`${tid('compare-choice')}[data-task-id="${ids[1]}"]`).isExisting(),
      'take 2 among the choices',
    );
    assert.match(await textOf(browser, `${tid('compare-choice')}[data-task-id="${ids[1]}"]`), /^Take 2 of 2$/);
    await browser.$(tid('details-close')).click();

    // From the group: the first take's card compares it with the next one.
    await clickWhenReady(
      browser,
      `${tid('gallery-cell')}[data-task-id="${ids[0]}"] ${tid('card-compare')}`,
      'Compare on the take group',
    );
    await until(async () => browser.$(tid('compare')).isExisting(), 'the comparison');
    const sides = await browser.execute(() =>
      ['a', 'b'].map((s) => Number(document.querySelector(`[data-testid="compare-side-${s}"]`)?.dataset.taskId)),
    );
    assert.deepEqual(sides, ids);

    // Both players read their files.
    const loaded = await until(
      async () => {
        const both = await players(browser);
        if (both.some((p) => p?.mediaError !== null && p?.mediaError !== undefined && p.mediaError !== 4)) return both;
        return both.every((p) => p && Number.isFinite(p.duration) && p.duration > 0.5) ? both : null;
      },
      'both players to read their videos',
      30_000,
    );
    assert.ok(
      loaded.every((p) => p.mediaError === null),
      `players: ${JSON.stringify(loaded)}`,
    );

    // What differs: the seed, and nothing else.
    await until(async () => browser.$(tid('difference-seed')).isExisting(), 'the differences');
    const seedLine = await textOf(browser, tid('difference-seed'));
    assert.equal(seedLine, `A: ${seeds[0]} → B: ${seeds[1]}`);
    const fields = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="compare-difference-list"] dd')].map((d) => d.dataset.field),
    );
    assert.deepEqual(fields, ['seed'], 'the same request apart from the seed');

    // One control plays both, and pauses both.
    await clickWhenReady(browser, tid('compare-play'), 'Play both');
    await until(
      async () => (await players(browser)).every((p) => !p.paused && p.time > 0.2),
      'both videos to play',
      20_000,
    );
    await clickWhenReady(browser, tid('compare-play'), 'Pause both');
    const paused = await until(async () => {
      const both = await players(browser);
      return both.every((p) => p.paused) ? both : null;
    }, 'both videos to pause');
    assert.ok(Math.abs(paused[0].time - paused[1].time) < 0.5, `in step: ${JSON.stringify(paused)}`);

    // Seeking one player moves the other.
    await browser.execute(() => {
      document.querySelector('[data-testid="compare-video-a"]').currentTime = 1;
    });
    await until(async () => {
      const both = await players(browser);
      return Math.abs(both[1].time - 1) < 0.2;
    }, 'the other player to follow the seek');
    await browser.$(tid('compare-close')).click();
    await until(async () => !(await browser.$(tid('compare')).isExisting()), 'the comparison to close');
  });
});
