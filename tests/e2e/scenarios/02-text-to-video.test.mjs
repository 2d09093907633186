// Text to video, the main path: the Generate button shows the price before anything is
// sent, the task goes waiting → generating → done, and the video is in the gallery, on
// disk in the library folder as a real H.264 video; the drawer's player is checked as a
// TODO (see below).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
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

test('text to video: priced button, waiting → generating, the video saved in the library', async (t) => {
  await scenario(t, '02-text-to-video', {}, async ({ fake, dataDir, browser }) => {
    await enterStudio(browser, testKey('t2v'));
    // Real seconds for the queue wait and the generation, so the app's polls (every
    // second in these tests, see launchApp) see each state.
    const prompt = 'A red kite over a dune at dawn, slow dolly-in [fake:wait=4] [fake:gen=4]';
    await compose(browser, { prompt, model: 'seedance-20', resolution: '720p', duration: 5 });
    await until(
      async () => (await textOf(browser, tid('generate'))) === 'Generate · 200 credits ≈ $0.94',
      'the price on the Generate button',
    );
    assert.equal((await fake.stats()).create_task_calls, 0, 'showing the price sends nothing');

    await clickWhenReady(browser, tid('generate'), 'Generate');
    const seen = [];
    const finished = await until(
      async () => {
        const [row] = await taskRows(browser);
        if (row && seen[seen.length - 1] !== row.state) seen.push(row.state);
        const [card] = await galleryCards(browser);
        return card?.state === 'downloaded' ? card : null;
      },
      'the finished video in the gallery',
      60_000,
    );
    const waiting = seen.indexOf('waiting');
    const generating = seen.indexOf('generating');
    assert.ok(
      waiting >= 0 && generating > waiting,
      `the task showed waiting then generating (saw ${seen.join(' → ')})`,
    );
    assert.match(finished.label, /A red kite over a dune/);
    assert.match(finished.label, /Done$/);
    // Its poster (the last frame, through the shell's thumb: scheme by task id) is shown.
    const poster = await until(
      () =>
        browser.execute((id) => {
          const img = document.querySelector(`[data-testid="gallery-card"][data-task-id="${id}"] img.poster`);
          return img?.complete && img.naturalWidth > 0
            ? { src: img.getAttribute('src'), width: img.naturalWidth }
            : null;
        }, finished.id),
      'the poster to load',
    );
    assert.equal(poster.src, `thumb://localhost/${finished.id}`, 'the card asks for the thumbnail, not the full frame');

    // The details drawer: the file in the library folder, and a player that can read it.
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${finished.id}"]`, 'the gallery card');
    const file = await until(
      () =>
        browser.execute(() => {
          const terms = [...document.querySelectorAll('[data-testid="details"] dt')];
          const dt = terms.find((d) => d.textContent === 'File');
          return dt?.nextElementSibling?.textContent ?? null;
        }),
      'the file path in the details',
    );
    assert.ok(file.startsWith(join(dataDir, 'library')), `saved in the library folder: ${file}`);
    assert.ok(existsSync(file) && statSync(file).size > 1000, `the video is on disk: ${file}`);

    // The file itself is the service's video: an H.264 stream with a real duration.
    const probe = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file],
        { encoding: 'utf8' },
      ),
    );
    assert.ok(
      probe.streams.some((st) => st.codec_name === 'h264'),
      `an H.264 stream: ${JSON.stringify(probe)}`,
    );
    assert.ok(Number(probe.format.duration) > 0.5, `a real duration: ${probe.format.duration}`);

    // The player in the drawer. WebKitGTK hands an asset:// URL to GStreamer, which has
    // no source for that scheme (tauri#3725); the gallery then plays the file from a
    // blob: URL. Either way the creator's player must read the video.
    await t.test("the details player reports the video's duration", async () => {
      const decoder = await browser.execute(() =>
        document.createElement('video').canPlayType('video/mp4; codecs="avc1.4d401e, mp4a.40.2"'),
      );
      assert.equal(decoder, 'probably', 'WebKit has an H.264 decoder (GStreamer avdec_h264 from gstreamer1.0-libav)');
      const media = await until(
        async () => {
          const state = await browser.execute(() => {
            const v = document.querySelector('[data-testid="player"]');
            // Not `error`: a WebDriver answer with an `error` key reads as a failed command.
            return v ? { duration: v.duration, mediaError: v.error?.code ?? null, src: v.currentSrc } : null;
          });
          return state && (state.mediaError !== null || (Number.isFinite(state.duration) && state.duration > 0))
            ? state
            : null;
        },
        'the player to read the video',
        20_000,
      );
      assert.equal(media.mediaError, null, `the player could not play ${media.src} (MediaError ${media.mediaError})`);
      assert.ok(media.duration > 0.5 && media.duration < 5, `duration ${media.duration}`);
    });
    t.diagnostic(`states: ${seen.join(' → ')}; file ${probe.format.duration} s`);
  });
});
