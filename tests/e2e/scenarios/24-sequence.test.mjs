// A sequence made in the window: three shots added in the Sequences dialog (the second
// keyframed from the first, one moved into place with the keyboard button), "Generate
// all" priced and asked before anything is sent, every shot's take finished, then Stitch
// with its progress bar: the film in the library's `films` folder is checked with
// ffprobe (its length the sum of the takes', one video and one audio stream). The fake
// renders real videos (`--render-results`), so the takes and the film are real files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  clickWhenReady,
  enterStudio,
  invoke,
  recordElements,
  recorded,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

function probe(path) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], {
    encoding: 'utf8',
  });
  const info = JSON.parse(out);
  return {
    duration: Number(info.format.duration),
    video: info.streams.filter((s) => s.codec_type === 'video').length,
    audio: info.streams.filter((s) => s.codec_type === 'audio').length,
  };
}

/** Fills the "Add a shot" form and adds the shot. */
async function addShot(browser, { prompt, duration, link }) {
  await browser.execute((sel) => {
    const details = document.querySelector(sel);
    if (details) details.open = true;
  }, tid('shot-add'));
  await browser.execute(
    (sel, value) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    tid('shot-new-prompt'),
    prompt,
  );
  await (await browser.$(tid('shot-new-duration'))).setValue(String(duration));
  await (await browser.$(tid('shot-new-link'))).selectByAttribute('value', link);
  await clickWhenReady(browser, tid('shot-new-save'), 'Add shot');
}

/** The strip's cards, in order: { id, state, label }. */
const shotCards = (browser) =>
  browser.execute(() =>
    [...document.querySelectorAll('[data-testid="seq-strip"] [data-testid^="shot-card-"]')].map((el) => ({
      id: Number(el.dataset.testid.replace('shot-card-', '')),
      state: el.dataset.state,
      label: el.getAttribute('aria-label'),
    })),
  );

test('a three-shot sequence: priced, generated, stitched into one film', async (t) => {
  await scenario(
    t,
    '24-sequence',
    { fake: { timeScale: 0.01, args: ['--render-results'] } },
    async ({ fake, dataDir, browser }) => {
      await enterStudio(browser, testKey('sequence'));
      await clickWhenReady(browser, tid('open-sequences'), 'the Sequences button');
      await until(async () => (await browser.$(tid('seq-new-name'))).isDisplayed(), 'the Sequences dialog');
      await (await browser.$(tid('seq-new-name'))).setValue('Harbour at dawn');
      await clickWhenReady(browser, tid('seq-create'), 'New');
      await until(
        async () => (await (await browser.$(tid('seq-name'))).getValue()) === 'Harbour at dawn',
        'the new sequence to open',
      );

      await addShot(browser, { prompt: 'A harbour at dawn, wide shot', duration: 4, link: 'none' });
      await until(async () => (await shotCards(browser)).length === 1, 'shot 1 on the strip');
      await addShot(browser, { prompt: 'Gulls lift off the pier', duration: 5, link: 'none' });
      await until(async () => (await shotCards(browser)).length === 2, 'shot 2 on the strip');
      await addShot(browser, { prompt: 'The fishing boat leaves the quay', duration: 4, link: 'keyframe' });
      await until(async () => (await shotCards(browser)).length === 3, 'shot 3 on the strip');

      // The boat shot belongs second: one press of its "move left" button puts it there.
      const [, gulls, boat] = await shotCards(browser);
      assert.match(boat.label, /^Shot 3: No take yet\. The fishing boat/);
      await clickWhenReady(browser, tid(`shot-left-${boat.id}`), 'move the boat shot left');
      await until(async () => (await shotCards(browser))[1]?.id === boat.id, 'the boat shot second');
      assert.deepEqual(
        (await shotCards(browser)).map((c) => c.id).slice(1),
        [boat.id, gulls.id],
        'the gulls shot moved to third',
      );

      // Generate all asks with the total before anything is sent.
      await clickWhenReady(browser, tid('seq-generate'), 'Generate all');
      const question = await until(async () => {
        const text = await browser.execute(
          (sel) => document.querySelector(sel)?.textContent ?? null,
          tid('seq-generate-confirm'),
        );
        return text || null;
      }, 'the Generate all question');
      // 4 + 4 + 5 s of Seedance 2.0 at 720p: 40 credits a second.
      assert.match(question, /Generate 3 shots for 520 credits\?/);
      assert.equal((await fake.stats()).create_task_calls, 0, 'asking sends nothing');

      await clickWhenReady(browser, tid('seq-generate-confirm-yes'), 'Yes, generate');
      await until(
        async () => {
          const cards = await shotCards(browser);
          return cards.length === 3 && cards.every((c) => c.state === 'done') ? cards : null;
        },
        'every shot done',
        180_000,
      );
      assert.equal((await fake.stats()).create_task_calls, 3, 'one task per shot');
      await until(async () => (await textOf(browser, tid('seq-generate'))) === 'Generate all…', 'the run to end');

      // The takes' files, from the sequence the window reads.
      const seq = await invoke(browser, 'sequences_list');
      assert.ok(seq.ok, JSON.stringify(seq));
      const view = await invoke(browser, 'sequence_get', { id: seq.value[0].id });
      assert.ok(view.ok, JSON.stringify(view));
      const takes = [];
      for (const shot of view.value.shots) {
        const task = await invoke(browser, 'task_get', { id: shot.film_take });
        assert.ok(task.ok && task.value.video_path, JSON.stringify(task));
        takes.push(probe(task.value.video_path));
      }
      assert.equal(view.value.shots[1].link, 'keyframe');
      // Each card shows its take's poster, asked for by task id from the thumbnail scheme.
      for (const shot of view.value.shots) {
        const poster = await until(
          () =>
            browser.execute((id) => {
              const img = document.querySelector(`[data-testid="shot-card-${id}"] .seq-poster img`);
              return img?.complete && img.naturalWidth > 0 ? img.getAttribute('src') : null;
            }, shot.id),
          `the poster of shot ${shot.position}`,
        );
        assert.equal(poster, `thumb://localhost/${shot.film_take}`);
      }

      await recordElements(browser, 'stitch-bar', tid('seq-stitch-bar'));
      await clickWhenReady(browser, tid('seq-stitch'), 'Stitch');
      const filmText = await until(
        async () => {
          const text = await browser.execute(
            (sel) => document.querySelector(sel)?.textContent ?? null,
            tid('seq-last-film'),
          );
          return text || null;
        },
        'the stitched film',
        120_000,
      );
      const filmPath = filmText.replace(/^Last film: /, '');
      assert.ok(filmPath.startsWith(join(dataDir, 'library', 'films')), `the film is in the library: ${filmPath}`);
      assert.ok(existsSync(filmPath), 'the film is on disk');
      assert.ok((await recorded(browser, 'stitch-bar')).length > 0, 'the stitch showed its progress bar');
      assert.match(await textOf(browser, tid('seq-status')), /The film is in the library/);

      const film = probe(filmPath);
      const sum = takes.reduce((total, take) => total + take.duration, 0);
      const cuts = takes.length - 1;
      t.diagnostic(`film ${film.duration} s; takes ${takes.map((k) => k.duration).join(' + ')} = ${sum} s`);
      assert.ok(
        Math.abs(film.duration - sum) <= 0.1 * cuts,
        `the film lasts ${film.duration} s, the takes ${sum} s (within 0.1 s per cut)`,
      );
      assert.equal(film.video, 1, 'one video stream');
      assert.equal(film.audio, 1, 'one audio stream');
      assert.equal((await fake.stats()).create_task_calls, 3, 'stitching sends nothing');
    },
  );
});
