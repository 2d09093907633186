// The file-format choice of the compose form: only for a model that offers more than one.
import { describe, expect, it, vi } from 'vitest';
import type { Draft } from '../src/bindings/Draft';
import { outputFormatField } from '../src/views/output-format';
import { CATALOG } from './helpers.test-util';

const draft = (output_format: string | null): Draft => ({
  model: 'seedance2-5',
  prompt: '',
  references: [],
  mode: null,
  duration_secs: 5,
  resolution: '720p',
  aspect_ratio: null,
  generate_audio: true,
  high_bitrate: false,
  seed: null,
  output_format,
});

describe('outputFormatField', () => {
  const twoFive = { ...CATALOG.models[0], id: 'seedance2-5', output_formats: ['mp4', 'mov'] };

  it('offers mp4 and mov where the model takes both, and reports the choice', () => {
    const chose = vi.fn();
    const field = outputFormatField(chose);
    field.render(draft(null), twoFive);
    const select = field.el.querySelector('select') as HTMLSelectElement;
    expect(field.el.hidden).toBe(false);
    expect([...select.options].map((o) => o.value)).toEqual(['mp4', 'mov']);
    expect(select.value).toBe('mp4');
    select.value = 'mov';
    select.dispatchEvent(new Event('change'));
    expect(chose).toHaveBeenCalledWith('mov');
    field.render(draft('mov'), twoFive);
    expect(select.value).toBe('mov');
  });

  it('is hidden for a model with one format', () => {
    const field = outputFormatField(vi.fn());
    field.render(draft(null), CATALOG.models[0]);
    expect(field.el.hidden).toBe(true);
  });
});
