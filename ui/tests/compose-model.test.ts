import { describe, expect, it } from 'vitest';
import type { ComposeCheck } from '../src/bindings/ComposeCheck';
import {
  defaultDraft,
  generateButton,
  indexWithinKind,
  moveReference,
  positionOf,
  promptLength,
  TAKE_CHOICES,
  takesPriceLabel,
  withModel,
} from '../src/compose-model';
import { CATALOG } from './helpers.test-util';

const estimate = { credits: 200, usd: 0.942, label: '200 credits ≈ $0.94', note: null };

describe('generate button', () => {
  it('carries the estimate in its label when valid', () => {
    const check: ComposeCheck = { problems: [], warnings: [], estimate, cap_refusal: null };
    expect(generateButton(check)).toEqual({ label: 'Generate · 200 credits ≈ $0.94', disabled: false, reason: null });
  });

  it('is disabled with the first problem as the reason', () => {
    const check: ComposeCheck = {
      problems: [
        {
          field: 'prompt',
          code: 'prompt_too_long',
          message: 'The prompt is 10,001 characters; Seedance 2.0 takes at most 10,000.',
          reference: null,
        },
      ],
      warnings: [],
      estimate,
      cap_refusal: null,
    };
    const b = generateButton(check);
    expect(b.disabled).toBe(true);
    expect(b.reason).toMatch(/at most 10,000/);
  });

  it('waits while the check is pending and while sending', () => {
    expect(generateButton(null).disabled).toBe(true);
    expect(generateButton({ problems: [], warnings: [], estimate, cap_refusal: null }, true).label).toBe('Sending…');
  });

  it('refuses a request without a price', () => {
    expect(generateButton({ problems: [], warnings: [], estimate: null, cap_refusal: null }).disabled).toBe(true);
  });

  it('is greyed with the spending cap as the reason before any click, price still shown', () => {
    const cap_refusal =
      "Today's limit of 600 credits would be passed: 520 spent, 80 left, this costs 200. Raise the limit in Settings, or wait: it resets at midnight.";
    expect(generateButton({ problems: [], warnings: [], estimate, cap_refusal })).toEqual({
      label: 'Generate · 200 credits ≈ $0.94',
      disabled: true,
      reason: cap_refusal,
    });
  });

  it('shows the total of several takes before anything is paid', () => {
    const check: ComposeCheck = { problems: [], warnings: [], estimate, cap_refusal: null };
    expect(generateButton(check, false, 3)).toEqual({
      label: 'Generate 3 takes · 600 credits ≈ $2.83',
      disabled: false,
      reason: null,
    });
    expect(generateButton(check, false, 1).label).toBe('Generate · 200 credits ≈ $0.94');
    expect(generateButton(null, false, 4).label).toBe('Generate 4 takes');
    expect(generateButton(check, true, 3)).toMatchObject({ disabled: true, reason: 'Recording 3 takes.' });
  });

  it('prices takes without float noise and offers 1 to 4', () => {
    expect(takesPriceLabel({ credits: 0.1, usd: 0.001, label: 'x' }, 3)).toBe('0.3 credits ≈ $0.00');
    expect(takesPriceLabel({ credits: 1200, usd: 5.5, label: '1,200 credits ≈ $5.50' }, 4)).toBe(
      '4,800 credits ≈ $22.00',
    );
    expect(TAKE_CHOICES).toEqual([1, 2, 3, 4]);
  });
});

describe('draft rules', () => {
  it('keeps the resolution inside what the model offers', () => {
    const draft = { ...defaultDraft(CATALOG), resolution: '1080p' };
    expect(withModel(CATALOG, draft, 'seedance2-fast').resolution).toBe('720p');
    expect(withModel(CATALOG, { ...draft, resolution: '480p' }, 'seedance2-fast').resolution).toBe('480p');
  });

  it('numbers references within their kind, from 1', () => {
    const refs = [
      { kind: 'image' as const, path: 'a', url: null, duration_ms: null },
      { kind: 'video' as const, path: 'b', url: null, duration_ms: 5000 },
      { kind: 'image' as const, path: 'c', url: null, duration_ms: null },
    ];
    expect(indexWithinKind(refs, 2)).toBe(2);
    expect(indexWithinKind(refs, 1)).toBe(1);
    expect(positionOf(refs, 'image', 2)).toBe(2);
    expect(positionOf(refs, 'audio', 1)).toBe(-1);
  });

  it('moves references within bounds', () => {
    expect(moveReference(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveReference(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('counts code points like the service', () => {
    expect(promptLength('🎬ab')).toBe(3);
  });
});
