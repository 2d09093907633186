import { describe, expect, it } from 'vitest';
import type { Draft } from '../src/bindings/Draft';
import { followerSeek, promptDiff, requestDifferences } from '../src/compare-model';

const draft = (over: Partial<Draft> = {}): Draft => ({
  model: 'seedance-20',
  prompt: 'A lighthouse in a storm',
  references: [],
  mode: null,
  duration_secs: 5,
  resolution: '720p',
  aspect_ratio: null,
  generate_audio: true,
  high_bitrate: false,
  seed: 7,
  output_format: null,
  ...over,
});

describe('prompt diff', () => {
  it('marks the words only one prompt has and keeps the rest', () => {
    expect(promptDiff('A lighthouse in a storm', 'A lighthouse in calm light')).toEqual([
      { kind: 'same', text: 'A lighthouse in ' },
      { kind: 'removed', text: 'a storm' },
      { kind: 'added', text: 'calm light' },
    ]);
  });

  it('gives back each prompt from its parts, and nothing for equal prompts', () => {
    const a = 'slow dolly-in,  golden hour\nwide shot';
    const b = 'fast dolly-in, golden hour\nclose shot at night';
    const parts = promptDiff(a, b);
    const side = (kind: 'removed' | 'added') =>
      parts
        .filter((p) => p.kind === 'same' || p.kind === kind)
        .map((p) => p.text)
        .join('');
    expect(side('added')).toBe(b);
    // Spacing is not a difference: the words shared are shown with the second prompt's.
    expect(side('removed').replace(/\s+/g, ' ').trim()).toBe(a.replace(/\s+/g, ' '));
    expect(promptDiff(a, a)).toEqual([{ kind: 'same', text: a }]);
    expect(promptDiff('', 'new words')).toEqual([{ kind: 'added', text: 'new words' }]);
  });

  it('replaces very long prompts whole instead of building a huge table', () => {
    const long = (w: string) => Array.from({ length: 2100 }, (_, i) => `${w}${i}`).join(' ');
    const parts = promptDiff(long('a'), long('b'));
    expect(parts.map((p) => p.kind)).toEqual(['removed', 'added']);
  });
});

describe('request differences', () => {
  it('lists only what differs, seed included, in reading order', () => {
    const found = requestDifferences(draft(), draft({ seed: 8, resolution: '1080p' }));
    expect(found).toEqual([
      { field: 'resolution', label: 'Resolution', a: '720p', b: '1080p' },
      { field: 'seed', label: 'Seed', a: '7', b: '8' },
    ]);
    expect(requestDifferences(draft(), draft())).toEqual([]);
  });

  it('names models, ratios, references and random seeds for people', () => {
    const found = requestDifferences(
      draft({ seed: null }),
      draft({
        model: 'seedance2-fast',
        aspect_ratio: '9:16',
        duration_secs: 8,
        prompt: 'A lighthouse at dawn',
        references: [{ kind: 'image', path: '/x/frame.png', url: null, duration_ms: null }],
      }),
      (id) => (id === 'seedance2-fast' ? 'Seedance 2.0 Fast' : 'Seedance 2.0'),
    );
    const by = Object.fromEntries(found.map((d) => [d.field, [d.a, d.b]]));
    expect(by.prompt).toEqual(['5 words', '4 words']);
    expect(by.model).toEqual(['Seedance 2.0', 'Seedance 2.0 Fast']);
    expect(by.aspect_ratio).toEqual(['Automatic', '9:16']);
    expect(by.duration).toEqual(['5 s', '8 s']);
    expect(by.seed).toEqual(['Random', '7']);
    expect(by.references).toEqual(['None (text only)', 'Image 1: frame.png']);
  });
});

describe('players in step', () => {
  it('moves the follower only past the tolerance, and not beyond its end', () => {
    expect(followerSeek(3, 3.1, 10)).toBeNull();
    expect(followerSeek(3, 2, 10)).toBe(3);
    expect(followerSeek(9, 5, 6)).toBe(6);
    expect(followerSeek(9, 6, 6)).toBeNull();
    expect(followerSeek(4, 0, Number.NaN)).toBe(4);
  });
});
