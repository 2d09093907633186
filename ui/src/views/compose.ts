// The compose panel: prompt, model and format choices, references, and the Generate
// button with its price. Every change asks the core (`compose_check`) for problems and
// the estimate; the button stays disabled with the reason while the request is invalid.

import type { Catalog } from '../bindings/Catalog';
import type { ComposeCheck } from '../bindings/ComposeCheck';
import type { Draft } from '../bindings/Draft';
import type { DraftReference } from '../bindings/DraftReference';
import type { InspectedReference } from '../bindings/InspectedReference';
import type { Kind } from '../bindings/Kind';
import type { ProblemField } from '../bindings/ProblemField';
import { append, clear, h, uid } from '../dom';
import { charCount, fileName, kindLabel, seconds } from '../format';
import {
  defaultDraft,
  generateButton,
  indexWithinKind,
  modelInfo,
  moveReference,
  positionOf,
  problemsFor,
  promptLength,
  TAKE_CHOICES,
  withModel,
} from '../compose-model';
import * as ipc from '../ipc';
import { attachPromptMentions } from './prompt-mentions';
import { askSecondTake } from './second-take';
import { outputFormatField } from './output-format';
import { chosenJob, EXTEND_MODEL, extendFromRow, keepOfferedJob } from '../video-job-model';
import { createVideoJobChoice } from './video-job';

/** Fields without a message slot of their own: their problems show together under the options. */
const OTHER_FIELDS: ProblemField[] = ['resolution', 'aspect_ratio', 'mode', 'seed', 'model'];

const PROMPT_PLACEHOLDER = 'Describe the video: subject, action, camera, light, mood…';

/** A reference row: the draft's reference plus what the UI shows about it. */
interface Row {
  ref: DraftReference;
  name: string;
  problems: string[];
  warnings: string[];
  /** Upload progress 0..1 while sending. */
  progress: number | null;
}

export interface ComposeView {
  el: HTMLElement;
  /**
   * Loads a draft (Remix, Continue from last frame, a failure's Edit prompt). An unsent
   * prompt or references in the panel are kept, and a bar offers to bring them back.
   */
  setDraft(draft: Draft): void;
  /** Whether the panel holds a prompt or references the creator has not sent. */
  hasUnsent(): boolean;
  /** The settings were saved: a refusal they may have lifted (a spending cap) is forgotten. */
  settingsChanged(): void;
  /**
   * What was spent today changed (a task settled, failed and was refunded, or was
   * cancelled): the cap is asked again, so Generate greys or frees without a click.
   */
  spendingChanged(): void;
  focusPrompt(): void;
  /** Opens the picker to replace the `index`-th (1-based) reference of `kind`. */
  replaceReference(kind: Kind | null, index: number | null): Promise<void>;
  focusReferences(): void;
  addInspected(list: InspectedReference[]): void;
  setDropping(over: boolean): void;
}

export interface ComposeDeps {
  catalog: Catalog;
  onSubmitted(taskId: number): void;
  onError(error: ipc.IpcError): void;
}

export function rowFromInspected(i: InspectedReference): Row {
  return {
    ref: { kind: i.kind ?? 'image', path: i.path, url: null, duration_ms: i.duration_ms },
    name: i.file_name,
    problems: i.kind ? i.problems : [...i.problems],
    warnings: i.warnings,
    progress: null,
  };
}

export function createCompose(deps: ComposeDeps): ComposeView {
  const { catalog } = deps;
  let draft = defaultDraft(catalog);
  let rows: Row[] = [];
  let check: ComposeCheck | null = null;
  let busy = false;
  let checkSeq = 0;
  let replaceAt: number | null = null;
  // An empty prompt on a fresh form is not a mistake yet: the button's reason says what is
  // missing, and the red message under the field waits until the creator has typed, loaded
  // a draft or tried to generate.
  let promptTouched = false;
  /** The draft as last loaded or sent: what the panel holds is "unsent" once it differs. */
  let settled = JSON.stringify(draft);
  /**
   * The unsent work loaded drafts replaced, newest last, until brought back or discarded:
   * a stack, so two loads in a row lose neither.
   */
  const kept: { draft: Draft; rows: Row[] }[] = [];
  /**
   * Why the engine refused this very draft (a spending cap, no price): sending it again
   * would be refused again, so Generate looks and is disabled with that reason until the
   * draft or the settings change.
   */
  let refusal: string | null = null;

  const promptId = uid('prompt');
  const prompt = h('textarea', {
    id: promptId,
    'data-testid': 'prompt',
    placeholder: PROMPT_PLACEHOLDER,
    'aria-describedby': `${promptId}-count ${promptId}-problem`,
  });
  const count = h('span', {
    class: 'count',
    id: `${promptId}-count`,
    'data-testid': 'prompt-count',
    'aria-live': 'off',
  });
  const promptProblem = h('div', { id: `${promptId}-problem`, 'data-testid': 'prompt-problem', role: 'alert' });

  const model = h('select', { id: uid('model'), 'data-testid': 'model' });
  for (const m of catalog.models) model.appendChild(h('option', { value: m.id }, m.label));
  const resolution = h('div', {
    class: 'segmented',
    role: 'group',
    'aria-label': 'Resolution',
    'data-testid': 'resolution',
  });
  const duration = h('input', { type: 'number', id: uid('duration'), 'data-testid': 'duration', step: 1 });
  const durationProblem = h('div', { 'data-testid': 'duration-problem' });
  const aspect = h('select', { id: uid('aspect'), 'data-testid': 'aspect-ratio' });
  // Its label follows the draft: "Automatic (16:9)" without references (there is nothing
  // to follow), "Follow references" with them (see renderChoices).
  const aspectAuto = h('option', { value: '' }, 'Automatic (16:9)');
  aspect.appendChild(aspectAuto);
  for (const r of catalog.aspect_ratios) aspect.appendChild(h('option', { value: r }, r));
  const mode = h(
    'select',
    { id: uid('mode'), 'data-testid': 'mode' },
    h('option', { value: '' }, 'Automatic'),
    h('option', { value: 'keyframe' }, 'Keyframe (images are first/last frame)'),
    h('option', { value: 'reference' }, 'Reference (images guide subject and style)'),
  );
  const audio = h('input', { type: 'checkbox', id: uid('audio'), 'data-testid': 'generate-audio' });
  const bitrate = h('input', { type: 'checkbox', id: uid('bitrate'), 'data-testid': 'high-bitrate' });
  const outputFormat = outputFormatField((format) => {
    draft = { ...draft, output_format: format };
    changed();
  });
  // The "2.0 way": restyle, edit or extend reference video 1 (Seedance 2.0).
  const videoJobs = createVideoJobChoice(catalog, (job) => {
    draft = { ...draft, video_job: job };
    changed();
  });
  const seed = h('input', { type: 'number', id: uid('seed'), 'data-testid': 'seed', placeholder: 'Random', min: 0 });
  const otherProblems = h('div', { 'data-testid': 'compose-problems', role: 'alert' });

  const refList = h('ul', { class: 'refs', 'data-testid': 'references', 'aria-label': 'References' });
  const refsProblem = h('div', { 'data-testid': 'references-problem', role: 'alert' });
  const addButton = h(
    'button',
    { type: 'button', 'data-testid': 'add-reference', onclick: () => void pick(null) },
    'Add files…',
  );
  const dropzone = h('div', { class: 'dropzone', 'data-testid': 'dropzone' }, 'Drop images, videos or audio here');

  const keptBar = h('div', { class: 'kept-draft', role: 'status', 'data-testid': 'kept-draft' });
  const genButton = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'generate', onclick: () => void submit() },
    'Generate',
  );
  /** How many takes Generate makes (1 to MAX_TAKES); not part of the draft. */
  let takes = 1;
  const takesGroup = h('div', {
    class: 'segmented takes',
    role: 'group',
    'aria-label': 'Takes',
    'data-testid': 'takes',
  });
  function renderTakes() {
    clear(takesGroup);
    for (const n of TAKE_CHOICES) {
      takesGroup.appendChild(
        h(
          'button',
          {
            type: 'button',
            'aria-pressed': String(n === takes),
            'aria-label': n === 1 ? '1 take' : `${n} takes`,
            'data-testid': `takes-${n}`,
            onclick: () => {
              takes = n;
              renderTakes();
              renderProblems();
              // All the takes count against the spending cap, so the cap's answer changes.
              void recheck();
            },
          },
          `×${n}`,
        ),
      );
    }
  }
  renderTakes();
  const reason = h('div', {
    class: 'reason',
    id: uid('reason'),
    'data-testid': 'generate-reason',
    'aria-live': 'polite',
  });
  genButton.setAttribute('aria-describedby', reason.id);

  const labelled = (control: HTMLElement, text: string, ...extra: (Node | null)[]) =>
    h('div', { class: 'field' }, h('label', { for: control.id }, text), control, ...extra);

  const el = h(
    'aside',
    { class: 'compose', 'aria-label': 'Compose', 'data-testid': 'compose' },
    h('h2', {}, 'New video'),
    keptBar,
    h(
      'div',
      { class: 'field prompt-field' },
      h('div', { class: 'prompt-meta' }, h('label', { for: promptId }, 'Prompt'), count),
      videoJobs.leadIn,
      prompt,
      promptProblem,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', {}, 'References'),
      refList,
      refsProblem,
      h('div', { class: 'row', style: 'margin-top:6px' }, dropzone, h('span', { class: 'shrink' }, addButton)),
    ),
    videoJobs.el,
    labelled(model, 'Model'),
    h('div', { class: 'field' }, h('label', {}, 'Resolution'), resolution),
    h(
      'div',
      { class: 'row' },
      labelled(duration, 'Duration (seconds)', durationProblem),
      labelled(aspect, 'Aspect ratio'),
    ),
    outputFormat.el,
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'check', for: audio.id }, audio, 'Generate audio'),
      h('label', { class: 'check', for: bitrate.id }, bitrate, 'High bitrate (larger files)'),
    ),
    h(
      'details',
      { class: 'more' },
      h('summary', {}, 'More options'),
      labelled(mode, 'Mode'),
      labelled(seed, 'Seed (empty for random)'),
    ),
    otherProblems,
    h(
      'div',
      { class: 'generate' },
      h('div', { class: 'takes-row' }, h('span', { class: 'hint', 'aria-hidden': 'true' }, 'Takes'), takesGroup),
      genButton,
      reason,
      h('div', { class: 'hint' }, h('kbd', {}, 'Ctrl'), ' + ', h('kbd', {}, 'Enter'), ' to generate'),
    ),
  );

  const sync = () => {
    // A job the draft no longer offers (video removed, another model) is dropped.
    draft = keepOfferedJob(catalog, { ...draft, references: rows.map((r) => r.ref) });
  };

  function renderChoices() {
    const info = modelInfo(catalog, draft.model);
    model.value = draft.model;
    outputFormat.render(draft, info);
    clear(resolution);
    for (const r of info?.resolutions ?? []) {
      resolution.appendChild(
        h(
          'button',
          {
            type: 'button',
            'aria-pressed': String(r === draft.resolution),
            'data-testid': `resolution-${r}`,
            onclick: () => {
              draft = { ...draft, resolution: r };
              changed();
            },
          },
          r,
        ),
      );
    }
    if (info) {
      duration.min = String(info.min_duration_secs);
      duration.max = String(info.max_duration_secs);
    }
    if (document.activeElement !== duration) duration.value = String(draft.duration_secs);
    aspectAuto.textContent = rows.some((r) => r.ref.kind === 'image' || r.ref.kind === 'video')
      ? 'Follow references'
      : 'Automatic (16:9)';
    aspect.value = draft.aspect_ratio ?? '';
    mode.value = draft.mode ?? '';
    audio.checked = draft.generate_audio;
    bitrate.checked = draft.high_bitrate;
    if (document.activeElement !== seed) seed.value = draft.seed === null ? '' : String(draft.seed);
    if (prompt.value !== draft.prompt) prompt.value = draft.prompt;
    videoJobs.render(draft);
    prompt.placeholder =
      chosenJob(catalog, draft)?.placeholder ??
      (draft.model === EXTEND_MODEL ? 'What happens next, after video 1 ends…' : PROMPT_PLACEHOLDER);
  }

  function renderCount() {
    const max = modelInfo(catalog, draft.model)?.prompt_max_chars ?? 10000;
    const used = promptLength(draft.prompt);
    count.textContent = charCount(used, max);
    count.classList.toggle('over', used > max);
  }

  function renderRefs() {
    clear(refList);
    rows.forEach((row, position) => {
      const index = indexWithinKind(
        rows.map((r) => r.ref),
        position,
      );
      const fromCheck = problemsFor(check, 'reference', position);
      const problems = [...row.problems, ...fromCheck.problems.map((p) => p.message)];
      const warnings = [...row.warnings, ...fromCheck.warnings.map((p) => p.message)];
      const label = `${kindLabel(row.ref.kind)} ${index}`;
      const thumb =
        row.ref.kind === 'image' && row.ref.path && row.problems.length === 0
          ? h('img', { class: 'thumb', src: ipc.fileUrl(row.ref.path), alt: '' })
          : h(
              'div',
              { class: 'thumb', 'aria-hidden': 'true' },
              row.ref.kind === 'video' ? '▶' : row.ref.kind === 'audio' ? '♪' : '?',
            );
      const length = seconds(row.ref.duration_ms);
      append(refList, [
        h(
          'li',
          {
            class: `ref${problems.length ? ' bad' : ''}`,
            'data-testid': `reference-${position}`,
            'aria-label': `${label}: ${row.name}`,
          },
          thumb,
          h(
            'div',
            { style: 'min-width:0' },
            h(
              'div',
              { class: 'ref-name', title: row.name },
              h('span', { class: `kind ${row.ref.kind}`, 'data-testid': 'reference-kind' }, label),
              row.name,
            ),
            length ? h('div', { class: 'hint' }, length) : null,
            row.progress !== null
              ? h(
                  'div',
                  {
                    class: 'progress',
                    role: 'progressbar',
                    'aria-label': `Uploading ${label}`,
                    'aria-valuemin': 0,
                    'aria-valuemax': 100,
                    'aria-valuenow': Math.round(row.progress * 100),
                  },
                  h('div', { style: `width:${Math.round(row.progress * 100)}%` }),
                )
              : null,
            ...problems.map((p) => h('div', { class: 'problem', 'data-testid': 'reference-problem' }, p)),
            ...warnings.map((w) => h('div', { class: 'warning' }, w)),
          ),
          h(
            'div',
            { class: 'ref-actions' },
            row.ref.kind === 'video' && modelInfo(catalog, EXTEND_MODEL)
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'ghost',
                    'aria-label': `Extend ${label}: new footage after it`,
                    'data-testid': `extend-reference-${position}`,
                    onclick: () => extendFrom(position),
                  },
                  'Extend…',
                )
              : null,
            h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                'aria-label': `Move ${label} up`,
                disabled: position === 0,
                onclick: () => move(position, -1),
              },
              '↑',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                'aria-label': `Move ${label} down`,
                disabled: position === rows.length - 1,
                onclick: () => move(position, 1),
              },
              '↓',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                'aria-label': `Remove ${label}`,
                'data-testid': `remove-reference-${position}`,
                onclick: () => remove(position),
              },
              '✕',
            ),
          ),
        ),
      ]);
    });
  }

  function renderProblems() {
    const show = (target: HTMLElement, field: ProblemField) => {
      clear(target);
      const { problems, warnings } = problemsFor(check, field);
      for (const p of problems) target.appendChild(h('div', { class: 'problem' }, p.message));
      for (const w of warnings) target.appendChild(h('div', { class: 'warning' }, w.message));
    };
    show(promptProblem, 'prompt');
    if (!promptTouched) clear(promptProblem);
    show(durationProblem, 'duration');
    show(refsProblem, 'references');
    clear(otherProblems);
    for (const field of OTHER_FIELDS) {
      const { problems, warnings } = problemsFor(check, field);
      for (const p of problems) otherProblems.appendChild(h('div', { class: 'problem' }, p.message));
      for (const w of warnings) otherProblems.appendChild(h('div', { class: 'warning' }, w.message));
    }
    const localProblem = rows.find((r) => r.problems.length)?.problems[0];
    const button = generateButton(check, busy, takes);
    genButton.textContent = button.label;
    genButton.disabled = button.disabled || Boolean(localProblem) || refusal !== null;
    reason.textContent = button.reason ?? localProblem ?? refusal ?? '';
  }

  function renderKept() {
    clear(keptBar);
    const top = kept[kept.length - 1];
    if (!top) return;
    const words = top.draft.prompt.trim();
    keptBar.append(
      h(
        'span',
        { class: 'kept-text' },
        words
          ? `Your unsent prompt “${words.length > 40 ? `${words.slice(0, 40)}…` : words}” is kept.`
          : `Your unsent references (${top.rows.length}) are kept.`,
      ),
      h(
        'span',
        { class: 'kept-actions' },
        h('button', { type: 'button', 'data-testid': 'restore-draft', onclick: () => restoreKept() }, 'Bring it back'),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-testid': 'discard-kept-draft',
            onclick: () => {
              kept.pop();
              renderKept();
            },
          },
          'Discard',
        ),
      ),
    );
  }

  /** Puts the kept work back; what it replaces is kept in turn, so nothing is lost either way. */
  function restoreKept() {
    const back = kept.pop();
    if (!back) return;
    if (hasUnsent()) kept.push({ draft: { ...draft }, rows });
    draft = back.draft;
    rows = back.rows;
    settled = '';
    promptTouched = draft.prompt !== '';
    renderKept();
    changed();
    prompt.focus();
  }

  function hasUnsent(): boolean {
    sync();
    const current = JSON.stringify(draft);
    return current !== settled && (draft.prompt.trim() !== '' || rows.length > 0);
  }

  function renderAll() {
    renderChoices();
    renderCount();
    renderRefs();
    renderProblems();
  }

  async function recheck() {
    refusal = null;
    const seq = ++checkSeq;
    try {
      const result = await ipc.composeCheck(draft, takes);
      if (seq !== checkSeq) return;
      check = result;
    } catch (error) {
      if (seq !== checkSeq) return;
      check = null;
      deps.onError(ipc.IpcError.from(error));
    }
    renderRefs();
    renderProblems();
  }

  /** A refusal by the cap is forgotten and the cap asked again. */
  function capMayHaveChanged() {
    refusal = null;
    renderProblems();
    void recheck();
  }

  function changed() {
    sync();
    renderChoices();
    renderCount();
    renderRefs();
    renderProblems();
    void recheck();
  }

  function move(position: number, delta: number) {
    rows = moveReference(rows, position, delta);
    changed();
  }

  /** A dropped or picked clip becomes the source of an extension (Seedance 2.5 Extend). */
  function extendFrom(position: number) {
    const next = extendFromRow(catalog, draft, rows, position);
    if (!next) return;
    rows = next.rows;
    draft = next.draft;
    changed();
    prompt.focus();
  }

  function remove(position: number) {
    rows = rows.filter((_, i) => i !== position);
    changed();
  }

  function addInspected(list: InspectedReference[]) {
    const fresh = list.map(rowFromInspected);
    if (replaceAt !== null && fresh[0] && replaceAt < rows.length) {
      rows = rows.map((r, i) => (i === replaceAt ? (fresh[0] as Row) : r));
      rows.push(...fresh.slice(1));
    } else {
      rows = [...rows, ...fresh];
    }
    replaceAt = null;
    changed();
  }

  async function pick(replacePosition: number | null) {
    replaceAt = replacePosition;
    try {
      const list = await ipc.referencesPick();
      if (list.length) addInspected(list);
      else replaceAt = null;
    } catch (error) {
      replaceAt = null;
      deps.onError(ipc.IpcError.from(error));
    }
  }

  async function submit() {
    const button = generateButton(check, busy);
    if (button.disabled || rows.some((r) => r.problems.length)) {
      if (!promptTouched) {
        promptTouched = true;
        renderProblems();
      }
      return;
    }
    busy = true;
    renderProblems();
    const sent = draft;
    const count = takes;
    try {
      // Answers once the engine has recorded every take: the button stays disabled until
      // then, so a click meanwhile cannot ask again.
      const task = count > 1 ? (await ipc.tasksSubmitTakes(sent, count))[0] : await ipc.tasksSubmit(sent);
      settled = JSON.stringify(sent);
      if (task) deps.onSubmitted(task.id);
      // What it reserved counts against the cap: the same draft again may now be over it.
      void recheck();
    } catch (raw) {
      const error = ipc.IpcError.from(raw);
      const secondTake = {
        onSubmitted: (t: { id: number }) => {
          settled = JSON.stringify(sent);
          deps.onSubmitted(t.id);
        },
        onError: deps.onError,
      };
      if (!askSecondTake(genButton, error, sent, secondTake, count)) {
        if (error.code === 'invalid_input') refusal = error.message;
        deps.onError(error);
      }
    } finally {
      busy = false;
      renderProblems();
    }
  }

  prompt.addEventListener('input', () => {
    promptTouched = true;
    draft = { ...draft, prompt: prompt.value };
    renderCount();
    void recheck();
  });
  // After the listener above: a chosen name reaches the draft before the list closes.
  attachPromptMentions(prompt, prompt.parentElement ?? el, () => draft.references);
  model.addEventListener('change', () => {
    draft = withModel(catalog, draft, model.value);
    changed();
  });
  duration.addEventListener('input', () => {
    const n = Number.parseInt(duration.value, 10);
    if (Number.isFinite(n)) {
      draft = { ...draft, duration_secs: n };
      void recheck();
    }
  });
  aspect.addEventListener('change', () => {
    draft = { ...draft, aspect_ratio: aspect.value || null };
    changed();
  });
  mode.addEventListener('change', () => {
    draft = { ...draft, mode: mode.value === 'keyframe' || mode.value === 'reference' ? mode.value : null };
    changed();
  });
  audio.addEventListener('change', () => {
    draft = { ...draft, generate_audio: audio.checked };
    changed();
  });
  bitrate.addEventListener('change', () => {
    draft = { ...draft, high_bitrate: bitrate.checked };
    changed();
  });
  seed.addEventListener('input', () => {
    const n = Number.parseInt(seed.value, 10);
    draft = { ...draft, seed: seed.value.trim() === '' || !Number.isFinite(n) ? null : n };
    void recheck();
  });
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void submit();
    }
  });

  renderAll();
  void recheck();

  return {
    el,
    hasUnsent,
    // A raised (or new) cap may let the same draft through now, or stop it.
    settingsChanged: capMayHaveChanged,
    // A refund may let the same draft through now; a settlement above its estimate may stop it.
    spendingChanged: capMayHaveChanged,
    setDraft(next: Draft) {
      if (hasUnsent()) kept.push({ draft: { ...draft }, rows });
      renderKept();
      draft = next;
      settled = JSON.stringify(next);
      // A loaded draft is not the creator's typing: an empty prompt (Continue from last
      // frame) waits for them instead of greeting them in red.
      promptTouched = next.prompt.trim() !== '';
      rows = next.references.map((ref) => ({
        ref,
        name: ref.path ? fileName(ref.path) : (ref.url ?? ''),
        problems: [],
        warnings: [],
        progress: null,
      }));
      changed();
    },
    focusPrompt() {
      prompt.focus();
    },
    async replaceReference(kind, index) {
      const position =
        kind && index
          ? positionOf(
              rows.map((r) => r.ref),
              kind,
              index,
            )
          : -1;
      refList.scrollIntoView({ block: 'nearest' });
      await pick(position >= 0 ? position : null);
    },
    focusReferences() {
      refList.scrollIntoView({ block: 'nearest' });
      addButton.focus();
    },
    addInspected,
    setDropping(over) {
      dropzone.classList.toggle('over', over);
    },
  };
}
