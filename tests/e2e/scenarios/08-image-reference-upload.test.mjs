// A local image dropped on the window: the drop handler inspects it (references_add_paths)
// and lists it with its thumbnail; at Generate the app uploads it (progress shown) and the
// request carries the uploaded URL in imageUrls: the service's task has one image.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  clickWhenReady,
  compose,
  dropFiles,
  enterStudio,
  handedDir,
  galleryCards,
  recordElements,
  recorded,
  referenceRows,
  repoRoot,
  scenario,
  testKey,
  tid,
  until,
} from '../harness.mjs';

test('image reference: dropped, uploaded with progress, sent as imageUrls', async (t) => {
  await scenario(t, '08-image-reference-upload', {}, async ({ fake, dataDir, browser }) => {
    await enterStudio(browser, testKey('upload'));
    const image = join(handedDir(dataDir), 'storyboard frame.png');
    copyFileSync(join(repoRoot, 'core/tests/fixtures/media/image.png'), image);

    await dropFiles(browser, [image]);
    const [row] = await until(async () => {
      const rows = await referenceRows(browser);
      return rows.length ? rows : null;
    }, 'the dropped image in the references list');
    assert.equal(row.label, 'Image 1: storyboard frame.png');
    assert.deepEqual(row.problems, []);
    const thumb = await until(
      () =>
        browser.execute(() => {
          const img = document.querySelector('[data-testid="reference-0"] img.thumb');
          return img?.complete ? img.naturalWidth : null;
        }),
      'the thumbnail',
    );
    assert.ok(thumb > 0, 'the thumbnail shows the image');

    // Hold the PUT's answer for a moment so the progress is on screen long enough to see.
    await fake.admin('faults', { endpoint: 'put', fault: { kind: 'delay', ms: 1500 }, times: 1 });
    await recordElements(browser, 'uploads', '[role="progressbar"]');
    await compose(browser, {
      prompt: 'The character from the frame walks into the sea',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, tid('generate'), 'Generate');
    await until(async () => (await galleryCards(browser)).find((c) => c.state === 'downloaded'), 'the video', 60_000);

    const progress = (await recorded(browser, 'uploads')).filter((r) => /^Uploading/.test(r.label ?? ''));
    assert.ok(progress.length > 0, 'upload progress was shown');
    assert.ok(
      progress.some((p) => Number(p.value) === 100),
      `progress reached 100%: ${progress.map((p) => p.value).join(',')}`,
    );

    const stats = await fake.stats();
    assert.equal(stats.upload_requests, 1);
    assert.equal(stats.puts, 1);
    assert.equal(stats.put_bytes, statSync(image).size, 'the whole file was uploaded');
    assert.equal(stats.tasks.length, 1);
    assert.equal(stats.tasks[0].image_count, 1, 'the request carried the uploaded image in imageUrls');
    assert.equal(stats.auth_header_leaks, 0, 'the key never went to the file host');
    t.diagnostic(`progress values: ${progress.map((p) => `${p.label}=${p.value}`).join(' ')}`);
  });
});
