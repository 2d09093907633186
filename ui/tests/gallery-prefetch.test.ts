import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { GalleryPage } from '../src/bindings/GalleryPage';
import type { GalleryQuery } from '../src/bindings/GalleryQuery';
import { createGallery, firstPageQuery } from '../src/views/gallery';
import { flush, galleryDeps } from './helpers.test-util';

afterEach(() => {
  clearMocks();
  document.body.innerHTML = '';
});

const deps = (firstPage?: Promise<GalleryPage>) => galleryDeps({ firstPage });

describe('gallery start-up', () => {
  it('uses the first page asked for at start-up instead of asking again', async () => {
    const queries: GalleryQuery[] = [];
    mockIPC((cmd, args) => {
      const query = (args as { query: GalleryQuery }).query;
      // The count line's one-entry pages are not the page this test is about.
      if (query.limit === 1) return { items: [], total: 0, offset: 0 };
      if (cmd === 'gallery_list') queries.push(query);
      return { items: [], total: 7, offset: 0 };
    });
    const early: GalleryPage = { items: [], total: 3, offset: 0 };
    const view = createGallery(deps(Promise.resolve(early)));
    document.body.appendChild(view.el);
    await flush();
    expect(queries).toEqual([]);
    expect(view.el.querySelector('[data-testid="gallery-count"]')?.textContent).toBe('3 videos');

    // Only once: a reload reads the ledger again.
    view.reload();
    await flush();
    expect(queries).toEqual([firstPageQuery()]);
    expect(view.el.querySelector('[data-testid="gallery-count"]')?.textContent).toBe('7 videos');
  });

  it('shows the error of a failed early page and recovers on reload', async () => {
    mockIPC((_cmd, args) => ({
      items: [],
      total: (args as { query: GalleryQuery }).query.limit === 1 ? 0 : 2,
      offset: 0,
    }));
    const d = deps(Promise.reject({ code: 'storage', message: 'The task history could not be read.' }));
    const view = createGallery(d);
    document.body.appendChild(view.el);
    await flush();
    expect(d.onError).toHaveBeenCalledTimes(1);
    expect(vi.mocked(d.onError).mock.calls[0][0].message).toBe('The task history could not be read.');
    view.reload();
    await flush();
    expect(view.el.querySelector('[data-testid="gallery-count"]')?.textContent).toBe('2 videos');
  });
});
