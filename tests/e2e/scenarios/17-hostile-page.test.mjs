// Defence in depth behind the CSP: a page that could run script (an injected one, a bad
// dependency) calls the shell's commands with hostile values through
// `window.__TAURI_INTERNALS__.invoke`. Each is refused with a clear error and nothing
// changes: the library folder cannot be set to a path string (only the native picker or
// SEEDANCE_LIBRARY_DIR set it); `references_add_paths` reads, and `tasks_submit` uploads,
// no file that was not dropped or picked; pointing the app at an unknown host waits on a
// native confirmation the page cannot answer, and meanwhile nothing is saved or sent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { enterStudio, invoke, repoRoot, scenario, testKey, until } from '../harness.mjs';

/** Whether a top-level X window with this title exists on the display (xwininfo, x11-utils). */
function nativeWindowTitled(title) {
  return execFileSync('xwininfo', ['-root', '-tree'], { encoding: 'utf8' }).includes(`"${title}"`);
}

test('hostile command calls from the page are refused and change nothing', async (t) => {
  await scenario(t, '17-hostile-page', {}, async (ctx) => {
    const { browser, dataDir } = ctx;
    await enterStudio(browser, testKey('hostile'));
    const before = await invoke(browser, 'settings_get');
    assert.ok(before.ok, JSON.stringify(before));
    const settingsFile = join(dataDir, 'settings.json');
    const fileBefore = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : null;

    // The library folder from a path string.
    const library = await invoke(browser, 'settings_set', {
      preferences: { ...before.value.preferences, library_dir: '/srv/somewhere-else/library' },
    });
    assert.equal(library.ok, false, JSON.stringify(library));
    assert.equal(library.error.code, 'not_allowed');
    assert.match(library.error.message, /library folder is chosen with "Choose folder…".*Nothing was changed\./);

    // Files nobody dropped or picked: a system file, and a real image outside the handed folder.
    for (const path of ['/etc/passwd', join(repoRoot, 'core/tests/fixtures/media/image.png')]) {
      const refs = await invoke(browser, 'references_add_paths', { paths: [path] });
      assert.equal(refs.ok, false, `${path}: ${JSON.stringify(refs)}`);
      assert.equal(refs.error.code, 'not_allowed');
      assert.match(
        refs.error.message,
        /was not dropped on the window nor chosen with "Add files…".*Nothing was added\./,
      );
    }
    // A draft that would upload a file nobody handed over.
    const submitted = await invoke(browser, 'tasks_submit', {
      draft: {
        model: 'seedance-20',
        prompt: 'A hostile upload',
        references: [
          { kind: 'image', path: join(repoRoot, 'core/tests/fixtures/media/image.png'), url: null, duration_ms: null },
        ],
        mode: null,
        duration_secs: 5,
        resolution: '720p',
        aspect_ratio: null,
        generate_audio: true,
        high_bitrate: false,
        seed: null,
      },
    });
    assert.equal(submitted.ok, false, JSON.stringify(submitted));
    assert.equal(submitted.error.code, 'not_allowed');
    assert.match(submitted.error.message, /image\.png was not dropped.*Nothing was sent\./);
    const escaping = await invoke(browser, 'references_add_paths', {
      paths: [join(dataDir, 'handed', '..', 'ledger.sqlite3')],
    });
    assert.equal(escaping.ok, false, `a ../ path out of the handed folder: ${JSON.stringify(escaping)}`);

    // An unknown host: the shell asks natively; the page's call only waits for that answer.
    await browser.execute(() => {
      window.__hostileBaseUrl = 'pending';
      window.__TAURI_INTERNALS__
        .invoke('settings_get')
        .then((s) =>
          window.__TAURI_INTERNALS__.invoke('settings_set', {
            preferences: { ...s.preferences, base_url: 'https://attacker.example/api/v1' },
          }),
        )
        .then(
          () => {
            window.__hostileBaseUrl = 'accepted';
          },
          (e) => {
            window.__hostileBaseUrl = JSON.stringify(e);
          },
        );
    });
    // The question is the shell's own window (GTK), outside the page: found by its title.
    await until(() => nativeWindowTitled('Use an unknown service?'), 'the native confirmation', 15_000);
    // Another command answers while that one waits: the shell is not blocked, and nothing
    // was saved or applied.
    const during = await until(async () => {
      const s = await invoke(browser, 'settings_get');
      return s.ok ? s : null;
    }, 'settings while the question is open');
    const outcome = await browser.execute(() => window.__hostileBaseUrl);
    assert.equal(outcome, 'pending', 'the call waits for the creator; the page cannot answer for them');
    assert.deepEqual(during.value.preferences, before.value.preferences, 'nothing changed');
    assert.equal(during.value.effective_base_url, before.value.effective_base_url);
    assert.equal(existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : null, fileBefore, 'nothing saved');
    const stats = await ctx.fake.stats();
    assert.equal(stats.create_task_calls + stats.upload_requests + stats.puts, 0, 'nothing reached the service');
  });
});
