// Comparing two tasks, the pure parts: what differs between their requests (the prompt
// word by word, then model, resolution, ratio, length, seed, references and the other
// settings) and when one player must be moved to stay with the other. No DOM; tested in
// tests/compare-model.test.ts.

import type { Draft } from './bindings/Draft';
import { referencesLabel } from './gallery-model';

/** A piece of the prompt diff: words both prompts have, or only the first, or only the second. */
export interface PromptPart {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/**
 * Above this many word pairs the prompts are shown as replaced whole rather than diffed
 * word by word: the table grows with the product of their lengths.
 */
const MAX_PAIRS = 4_000_000;

/** Words with the spaces after them, so the parts put back together give the prompt. */
function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * The prompt diff of `a` against `b`, word by word (a longest common subsequence of
 * words; spacing is not a difference). Neighbouring parts of one kind are merged.
 */
export function promptDiff(a: string, b: string): PromptPart[] {
  const x = words(a);
  const y = words(b);
  const parts: PromptPart[] = [];
  const push = (kind: PromptPart['kind'], text: string) => {
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  if (x.length * y.length > MAX_PAIRS) {
    if (a) push('removed', a);
    if (b) push('added', b);
    return parts;
  }
  const key = (w: string) => w.trim();
  const n = x.length;
  const m = y.length;
  // lcs[i * (m + 1) + j]: length of the common subsequence of x[i..] and y[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i -= 1)
    for (let j = m - 1; j >= 0; j -= 1)
      lcs[i * (m + 1) + j] =
        key(x[i] as string) === key(y[j] as string)
          ? (lcs[(i + 1) * (m + 1) + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] as number, lcs[i * (m + 1) + j + 1] as number);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const xi = x[i] as string;
    const yj = y[j] as string;
    if (key(xi) === key(yj)) {
      push('same', yj);
      i += 1;
      j += 1;
    } else if ((lcs[(i + 1) * (m + 1) + j] as number) >= (lcs[i * (m + 1) + j + 1] as number)) {
      push('removed', xi);
      i += 1;
    } else {
      push('added', yj);
      j += 1;
    }
  }
  for (; i < n; i += 1) push('removed', x[i] as string);
  for (; j < m; j += 1) push('added', y[j] as string);
  return parts;
}

/** One setting that differs between the two requests. */
export interface Difference {
  /** Stable name (tests and `data-field`): `prompt`, `model`, `seed`, … */
  field: string;
  label: string;
  a: string;
  b: string;
}

const onOff = (v: boolean) => (v ? 'On' : 'Off');

/**
 * What differs between requests `a` and `b`, in the order a creator reads a request; empty
 * when they are the same. `modelLabel` names a model id for people.
 */
export function requestDifferences(a: Draft, b: Draft, modelLabel: (id: string) => string = (id) => id): Difference[] {
  const rows: [string, string, string, string][] = [
    ['prompt', 'Prompt', a.prompt, b.prompt],
    ['model', 'Model', modelLabel(a.model), modelLabel(b.model)],
    ['resolution', 'Resolution', a.resolution, b.resolution],
    ['aspect_ratio', 'Aspect ratio', a.aspect_ratio ?? 'Automatic', b.aspect_ratio ?? 'Automatic'],
    ['duration', 'Duration', `${a.duration_secs} s`, `${b.duration_secs} s`],
    ['seed', 'Seed', a.seed === null ? 'Random' : String(a.seed), b.seed === null ? 'Random' : String(b.seed)],
    ['references', 'References', referencesLabel(a.references), referencesLabel(b.references)],
    ['mode', 'Mode', a.mode ?? 'Automatic', b.mode ?? 'Automatic'],
    ['audio', 'Audio', onOff(a.generate_audio), onOff(b.generate_audio)],
    ['bitrate', 'High bitrate', onOff(a.high_bitrate), onOff(b.high_bitrate)],
    ['output_format', 'File format', a.output_format ?? 'Default', b.output_format ?? 'Default'],
  ];
  return rows
    .filter(([, , x, y]) => x !== y)
    .map(([field, label, x, y]) => ({
      field,
      label,
      // The prompt's difference is shown word by word; the row says how much changed.
      a: field === 'prompt' ? `${words(x).length} words` : x,
      b: field === 'prompt' ? `${words(y).length} words` : y,
    }));
}

/**
 * Where the following player must be moved to stay with the leading one, or null while
 * they are within `tolerance` seconds (moving a playing video costs a stutter). A video
 * shorter than the leader's time waits at its end.
 */
export function followerSeek(
  leader: number,
  follower: number,
  followerDuration: number,
  tolerance = 0.3,
): number | null {
  const target = Number.isFinite(followerDuration) ? Math.min(leader, followerDuration) : leader;
  return Math.abs(target - follower) > tolerance ? target : null;
}
