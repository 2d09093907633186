// The locked-down webview, checked from inside the real page (reliability checklist 26,
// 33, 36, 37): an injected inline script and eval do not run; the page cannot reach the
// service or any other host; the asset protocol serves the library folder and nothing
// else (not a file outside it, not a `..` path, not a symlink planted in the library);
// no command answer, page text or web storage holds the key; a result link that is not
// https is not opened.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickWhenReady, compose, enterStudio, galleryCards, invoke, scenario, tid, until } from '../harness.mjs';

/** What the page gets when it fetches `url`: 'ok <status> <bytes>' or 'blocked <reason>'. */
async function pageFetch(browser, url) {
  return browser.executeAsync((target, done) => {
    fetch(target).then(
      async (r) => done(`ok ${r.status} ${(await r.arrayBuffer()).byteLength}`),
      (e) => done(`blocked ${e?.message}`),
    );
  }, url);
}

/** The asset URL the UI itself would use for a local file (`convertFileSrc` on Linux). */
const assetUrl = (path) => `asset://localhost/${encodeURIComponent(path)}`;

/** Whether `url` loads as an image in the page (the thumb: scheme is for images only). */
function imageLoads(browser, url) {
  return browser.executeAsync((target, done) => {
    const img = new Image();
    img.onload = () => done(`loaded ${img.naturalWidth}`);
    img.onerror = () => done('error');
    img.src = target;
  }, url);
}

test('webview lockdown: CSP, asset scope, no key in answers, https-only links', async (t) => {
  const canary = `sk-CANARY-${randomUUID()}`;
  await scenario(t, '11-webview-lockdown', {}, async ({ fake, dataDir, browser }) => {
    await enterStudio(browser, canary);
    // Whatever key the suite's keychain held, the canary is the one in use from here.
    const saved = await invoke(browser, 'key_set', { key: canary });
    assert.equal(saved.ok, true, JSON.stringify(saved));

    // A finished video, so the library holds real files and the task has a result URL.
    await compose(browser, {
      prompt: 'A paper boat on a puddle',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    const card = await until(
      async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded'),
      'the finished video in the gallery',
      60_000,
    );

    // 33: CSP. An injected inline script and eval do not run.
    const injected = await browser.execute(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.head.appendChild(s);
      let evalRan = false;
      try {
        // biome-ignore lint/security/noGlobalEval: the point is that the CSP refuses it.
        evalRan = eval('1 + 1') === 2;
      } catch {
        /* refused by the CSP */
      }
      return { inline: window.__inlineRan === true, eval: evalRan };
    });
    assert.deepEqual(injected, { inline: false, eval: false }, 'inline script and eval are refused');

    // The page cannot reach the service (only the core does) nor any other host.
    const toService = await pageFetch(browser, `${fake.baseUrl}/common/get-task-detail?taskId=x`);
    assert.match(toService, /^blocked/, `the page reached the service: ${toService}`);
    const statsBefore = await fake.stats();
    const toOther = await pageFetch(browser, 'https://example.com/');
    assert.match(toOther, /^blocked/, `the page reached another host: ${toOther}`);

    // 37: the asset protocol serves the library folder only.
    const page = await invoke(browser, 'gallery_list', { query: { states: [], text: null, offset: 0, limit: 10 } });
    assert.equal(page.ok, true, JSON.stringify(page));
    const task = page.value.items.find((i) => i.id === card.id);
    assert.ok(task?.poster_path, `the finished task has a poster: ${JSON.stringify(task)}`);
    assert.match(await pageFetch(browser, assetUrl(task.poster_path)), /^ok 200 [1-9]/, 'a library file loads');

    // The gallery's thumb: scheme answers a task id with its picture, and nothing else.
    assert.match(
      await imageLoads(browser, `thumb://localhost/${card.id}`),
      /^loaded [1-9]/,
      "a task's thumbnail loads",
    );
    for (const path of ['999999', '..%2F..%2Fetc%2Fpasswd', encodeURIComponent(task.poster_path), '-1']) {
      assert.equal(await imageLoads(browser, `thumb://localhost/${path}`), 'error', `thumb:${path} was served`);
    }

    const secret = join(dataDir, 'outside-the-library.txt');
    writeFileSync(secret, 'not for the webview');
    const library = join(dataDir, 'library');
    symlinkSync(secret, join(library, 'planted-link.png'));
    for (const [what, url] of [
      ['a file outside the library', assetUrl(secret)],
      ['a system file', assetUrl('/etc/passwd')],
      ['a .. path out of the library', assetUrl(`${library}/../outside-the-library.txt`)],
      ['a symlink planted in the library', assetUrl(join(library, 'planted-link.png'))],
    ]) {
      const got = await pageFetch(browser, url);
      assert.ok(!/^ok 2\d\d/.test(got), `${what} was served: ${got}`);
    }

    // 26: no command answer, page text or web storage holds the key.
    const answers = [];
    for (const [command, args] of [
      ['key_status', {}],
      ['settings_get', {}],
      ['catalog', {}],
      ['tasks_in_flight', {}],
      ['task_get', { id: card.id }],
      ['gallery_list', { query: { states: [], text: null, offset: 0, limit: 0 } }],
      ['key_test', {}],
    ]) {
      const answer = await invoke(browser, command, args);
      answers.push(`${command}: ${JSON.stringify(answer)}`);
    }
    const status = JSON.parse(answers[0].slice('key_status: '.length));
    assert.equal(status.value.last_four, canary.slice(-4), 'the canary is the key in use');
    const page_text = await browser.execute(() => document.documentElement.outerHTML);
    const storage = await browser.execute(() =>
      JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }),
    );
    for (const [where, text] of [
      ['command answers', answers.join('\n')],
      ['the page', page_text],
      ['web storage', storage],
    ]) {
      assert.ok(!text.includes(canary), `the key appears in ${where}`);
      assert.ok(!text.includes(canary.slice(10)), `part of the key appears in ${where}`);
    }

    // 36: the fake's result links are http://, so the app refuses to open them.
    const opened = await invoke(browser, 'gallery_open_url', { id: card.id });
    assert.equal(opened.ok, false, 'an http:// result link was opened');
    assert.equal(opened.error.code, 'not_allowed', JSON.stringify(opened));

    // Nothing above reached the service from the page: only key_test's probe did.
    const statsAfter = await fake.stats();
    assert.equal(statsAfter.create_task_calls, statsBefore.create_task_calls, 'no task was created');
  });
});
