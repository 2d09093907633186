// A finished video the app cannot put in the library: SEEDANCE_LIBRARY_DIR lies under a
// regular file. The task row and the gallery card say so in the engine's words, with
// "Choose library folder" (the folder is set by the environment here, so it opens
// Settings, which say so) and "Download again"; once the folder can be made, one click
// saves the video and the notice goes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

test('download failure: the notice says why, and Download again saves the video once fixed', async (t) => {
  const blocker = (dataDir) => join(dataDir, 'not-a-folder');
  const library = (dataDir) => join(blocker(dataDir), 'library');
  await scenario(
    t,
    '10-download-failure',
    {
      prepare: (dataDir) => writeFileSync(blocker(dataDir), 'a regular file where the library folder should be\n'),
      appEnv: (dataDir) => ({ SEEDANCE_LIBRARY_DIR: library(dataDir) }),
    },
    async ({ fake, dataDir, browser }) => {
      await enterStudio(browser, testKey('download'));
      await compose(browser, {
        prompt: 'A red umbrella in the rain',
        model: 'seedance-20',
        resolution: '720p',
        duration: 5,
      });
      await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');

      const notice = `${tid('task', tid('tasks'))} ${tid('download-problem')}`;
      await until(async () => (await browser.$(notice)).isExisting(), 'the download problem on the task row', 60_000);
      const [row] = await taskRows(browser);
      assert.equal(row.state, 'succeeded', 'the task stays finished, waiting for its files');
      assert.equal(await browser.$(notice).getAttribute('data-library-folder'), 'true');
      const message = await textOf(browser, `${notice} ${tid('download-problem-message')}`);
      assert.match(message, /not a folder that can be used/);
      assert.ok(message.includes(library(dataDir)), `the message names the folder: ${message}`);
      assert.equal(await textOf(browser, `${notice} ${tid('download-choose-library')}`), 'Choose library folder');
      assert.equal(await textOf(browser, `${notice} ${tid('download-again')}`), 'Download again');

      // The gallery card says it too: where its poster would be, and in its name. (WebDriver's
      // getText reads '' inside a <button> in WebKitWebDriver, so the page's innerText it is.)
      await until(
        async () => (await browser.$(tid('card-download-problem'))).isDisplayed(),
        'the problem on the gallery card',
      );
      const cardText = await browser.execute(
        // biome-ignore lint/performance/useDomNodeTextContent: the text as shown is what is asserted.
        (sel) => document.querySelector(sel).innerText,
        tid('card-download-problem'),
      );
      assert.match(cardText, /not a folder that can be used/);
      const [card] = await galleryCards(browser);
      assert.match(card.label, /Not saved to your library$/);

      // The folder comes from SEEDANCE_LIBRARY_DIR: Settings open and say so.
      await clickWhenReady(browser, `${notice} ${tid('download-choose-library')}`, 'Choose library folder');
      await until(
        async () => (await browser.$(tid('settings-library'))).isDisplayed(),
        'the settings with the library folder',
      );
      assert.equal(await browser.$(tid('settings-library')).getValue(), library(dataDir));
      assert.equal(await browser.$(tid('settings-library-choose')).isEnabled(), false);
      await clickWhenReady(browser, tid('settings-close'), 'Close settings');

      // Fixed: the file gives way to a folder; one click saves the video.
      rmSync(blocker(dataDir));
      mkdirSync(library(dataDir), { recursive: true });
      await clickWhenReady(browser, `${notice} ${tid('download-again')}`, 'Download again');
      const saved = await until(
        async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded'),
        'the video saved in the library',
        60_000,
      );
      assert.equal(saved.id, row.id);
      assert.equal(await (await browser.$(tid('download-problem'))).isExisting(), false, 'the notice is gone');
      assert.equal(await (await browser.$(tid('card-download-problem'))).isExisting(), false);
      assert.ok(
        readdirSync(library(dataDir)).some((f) => f.endsWith('.mp4')),
        'the video is in the library folder',
      );
      assert.ok(existsSync(library(dataDir)));

      const stats = await fake.stats();
      assert.equal(stats.create_task_calls, 1, 'nothing was generated twice');
    },
  );
});
