import { describe, expect, it } from 'vitest';
import type { DraftReference } from '../src/bindings/DraftReference';
import { insertName, mentionQuery, namesFor, referenceNames } from '../src/prompt-mention';

const ref = (kind: DraftReference['kind']) => ({ kind }) as DraftReference;
const refs = [ref('image'), ref('video'), ref('image'), ref('audio')];

describe('@ in the prompt', () => {
  it('names references from 1 within each kind, in the order attached', () => {
    expect(referenceNames(refs)).toEqual(['image 1', 'video 1', 'image 2', 'audio 1']);
  });

  it('reads an @ that starts a word, not an address', () => {
    expect(mentionQuery('A gull, @', 9)).toEqual({ start: 8, query: '' });
    expect(mentionQuery('@ima', 4)).toEqual({ start: 0, query: 'ima' });
    expect(mentionQuery('the cat @image 2', 16)).toEqual({ start: 8, query: 'image 2' });
    expect(mentionQuery('me@example', 10)).toBeNull();
    expect(mentionQuery('@image 2 walks', 14)).toBeNull();
  });

  it('offers the names that match what was typed, short forms included', () => {
    expect(namesFor(refs, '')).toEqual(['image 1', 'video 1', 'image 2', 'audio 1']);
    expect(namesFor(refs, 'im')).toEqual(['image 1', 'image 2']);
    expect(namesFor(refs, 'image 2')).toEqual(['image 2']);
    expect(namesFor(refs, 'v1')).toEqual(['video 1']);
    expect(namesFor(refs, 'x')).toEqual([]);
    expect(namesFor([], '')).toEqual([]);
  });

  it('replaces the @ word with the name and puts the caret after it', () => {
    const text = 'A gull like @im in the wind';
    const mention = mentionQuery(text, 15);
    expect(mention).toEqual({ start: 12, query: 'im' });
    if (!mention) return;
    expect(insertName(text, mention, 15, 'image 1')).toEqual({ text: 'A gull like image 1 in the wind', caret: 19 });
    expect(insertName('@', { start: 0, query: '' }, 1, 'video 1')).toEqual({ text: 'video 1', caret: 7 });
    expect(insertName('@x.', { start: 0, query: 'x' }, 2, 'audio 1')).toEqual({ text: 'audio 1.', caret: 7 });
    expect(insertName('@vgo', { start: 0, query: 'v' }, 2, 'video 1')).toEqual({ text: 'video 1 go', caret: 8 });
  });
});
