// The compose form's file-format choice: shown only for a model that can return more than
// one (the 2.5 family's mp4 or mov), hidden and left to the model's default otherwise.

import type { Draft } from '../bindings/Draft';
import type { ModelInfo } from '../bindings/ModelInfo';
import { h, uid } from '../dom';

const LABELS: Record<string, string> = {
  mp4: 'MP4 (plays everywhere)',
  mov: 'MOV (for editing; opens in the system player)',
};

export interface OutputFormatField {
  el: HTMLElement;
  /** Shows the choices of `info` with the draft's choice selected. */
  render(draft: Draft, info: ModelInfo | null | undefined): void;
}

/** `onChange` gets the format chosen, `null` for the model's default. */
export function outputFormatField(onChange: (format: string | null) => void): OutputFormatField {
  const select = h('select', { id: uid('output-format'), 'data-testid': 'output-format' });
  const el = h('div', { class: 'field', hidden: true }, h('label', { for: select.id }, 'File format'), select);
  select.addEventListener('change', () => onChange(select.value || null));
  return {
    el,
    render(draft, info) {
      const formats = info?.output_formats ?? [];
      el.hidden = formats.length < 2;
      const ids = [...select.options].map((o) => o.value).join();
      if (ids !== formats.join())
        select.replaceChildren(...formats.map((f) => h('option', { value: f }, LABELS[f] ?? f)));
      select.value =
        draft.output_format && formats.includes(draft.output_format) ? draft.output_format : (formats[0] ?? '');
    },
  };
}
