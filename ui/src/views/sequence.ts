// Sequences (a modal dialog, "Sequences" in the header): the list of sequences, and for
// the open one a strip of its shots (the film take's poster and where the shot stands),
// reordered by dragging or with the move buttons, a shot's editor (prompt, model, length,
// link) with its takes to choose from, "Generate all" priced and confirmed before
// anything is paid, Stitch with progress and Cancel, and Export into a picked folder.
// The rules (what is sent, when, for how much) are the engine's: this only asks.

import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { Catalog } from '../bindings/Catalog';
import type { SequenceSummaryView } from '../bindings/SequenceSummaryView';
import type { SequenceView } from '../bindings/SequenceView';
import type { ShotInput } from '../bindings/ShotInput';
import type { ShotLinkName } from '../bindings/ShotLinkName';
import type { ShotReportView } from '../bindings/ShotReportView';
import type { ShotView } from '../bindings/ShotView';
import type { TaskView } from '../bindings/TaskView';
import { markPainted } from '../bench-marks';
import { append, clear, h, uid } from '../dom';
import * as ipc from '../ipc';
import {
  allowedLinks,
  dropPosition,
  generateQuestion,
  LINK_LABEL,
  modelForLink,
  movedPosition,
  percent,
  STATUS_LABEL,
  shotStatus,
  shownTake,
} from '../sequence-model';
import { askInline } from './confirm';

export interface SequencesDialog {
  el: HTMLDialogElement;
  open(): Promise<void>;
  /** A task changed: the strip is read again when it is one of the open sequence's takes. */
  taskChanged(task: TaskView): void;
}

export interface SequencesOptions {
  catalog: Catalog;
  toast(message: string): void;
}

const STITCH_PROGRESS_EVENT = 'sequence-stitch-progress';

const message = (error: unknown) => ipc.IpcError.from(error).message;

export function createSequences(options: SequencesOptions): SequencesDialog {
  const { catalog, toast } = options;
  const defaultModel = catalog.models[0]?.id ?? 'seedance-20';
  const titleId = uid('sequences-title');
  const el = h('dialog', { 'aria-labelledby': titleId, 'data-testid': 'sequences', class: 'wide sequences' });
  const list = h('ul', { class: 'seq-list', 'data-testid': 'seq-list', 'aria-label': 'Sequences' });
  const nameField = h('input', {
    type: 'text',
    placeholder: 'New sequence name',
    'aria-label': 'New sequence name',
    'data-testid': 'seq-new-name',
  });
  const detail = h('section', { class: 'seq-detail', 'data-testid': 'seq-detail' });
  const live = h('div', { class: 'seq-live' });
  const status = h('p', { role: 'status', class: 'hint', 'data-testid': 'seq-status' });

  let summaries: SequenceSummaryView[] = [];
  let current: SequenceView | null = null;
  let selectedShot: number | null = null;
  /**
   * The selected shot's takes list, redrawn on its own when a task changes (the shot's
   * form beside it may hold unsaved typing, so it is left alone).
   */
  let takesSlot: HTMLElement | null = null;
  let generating = false;
  let stitching = false;
  let stitchFraction = 0;
  let lastReport: ShotReportView[] = [];
  let unlistenStitch: UnlistenFn | null = null;

  const say = (text: string) => {
    status.textContent = text;
  };

  async function loadList() {
    summaries = await ipc.sequencesList();
    renderList();
  }

  function renderList() {
    clear(list);
    if (summaries.length === 0) list.append(h('li', { class: 'hint' }, 'No sequences yet: name one and press New.'));
    for (const s of summaries) {
      list.append(
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'aria-current': current?.id === s.id ? 'true' : null,
              'data-testid': `seq-open-${s.id}`,
              onclick: () => void openSequence(s.id),
            },
            `${s.name} · ${s.shots} shot${s.shots === 1 ? '' : 's'}`,
          ),
        ),
      );
    }
  }

  async function openSequence(id: number) {
    try {
      show(await ipc.sequenceGet(id));
      renderList();
    } catch (error) {
      say(message(error));
    }
  }

  /** Shows `view` and refreshes the list's shot counts. */
  function show(view: SequenceView) {
    current = view;
    if (selectedShot !== null && !view.shots.some((s) => s.id === selectedShot)) selectedShot = null;
    render();
  }

  /** Runs a change that answers the sequence, showing its error in plain words. */
  async function change(work: () => Promise<SequenceView>, done?: string) {
    try {
      show(await work());
      if (done) say(done);
      await loadList();
    } catch (error) {
      say(message(error));
    }
  }

  async function create() {
    const name = nameField.value.trim();
    if (!name) {
      say('Type a name for the sequence first, for example "Lighthouse".');
      nameField.focus();
      return;
    }
    await change(() => ipc.sequencesCreate(name), `Created "${name}". Add its first shot below.`);
    nameField.value = '';
  }

  function shotInput(shot: ShotView): ShotInput {
    return { prompt: shot.prompt, model: shot.model, duration_secs: shot.duration_secs, link: shot.link };
  }

  async function move(shot: ShotView, position: number | null) {
    if (position === null) return;
    await change(() => ipc.sequencesMoveShot(shot.id, position), `Shot moved to position ${position}.`);
    // Keyboard users keep their place on the moved card.
    el.querySelector<HTMLElement>(`[data-testid="shot-card-${shot.id}"]`)?.focus();
  }

  function shotCard(shot: ShotView, index: number, count: number): HTMLElement {
    const take = shownTake(shot);
    const state = shotStatus(shot, catalog.states);
    const poster =
      take?.has_video === true
        ? h('img', {
            src: ipc.thumbnailUrl(take.task),
            alt: `Shot ${shot.position}, take #${take.task}`,
            loading: 'lazy',
          })
        : h('div', { class: 'seq-poster-empty', 'aria-hidden': 'true' }, `Shot ${shot.position}`);
    const card = h(
      'li',
      {
        class: `seq-shot${selectedShot === shot.id ? ' selected' : ''}`,
        draggable: 'true',
        tabindex: '0',
        'data-testid': `shot-card-${shot.id}`,
        'data-state': state,
        'aria-label': `Shot ${shot.position}: ${STATUS_LABEL[state]}. ${shot.prompt}`,
        onclick: () => {
          selectedShot = shot.id;
          render();
        },
        onkeydown: (event: Event) => {
          const key = (event as KeyboardEvent).key;
          if (key === 'Enter' && event.target === card) {
            selectedShot = shot.id;
            render();
          }
        },
      },
      h('div', { class: 'seq-poster' }, poster),
      h(
        'div',
        { class: 'seq-shot-head' },
        h('strong', {}, `Shot ${shot.position}`),
        h('span', { class: `seq-state ${state}`, 'data-testid': `shot-state-${shot.id}` }, STATUS_LABEL[state]),
      ),
      h('p', { class: 'seq-prompt' }, shot.prompt || '(no prompt yet)'),
      h(
        'p',
        { class: 'hint' },
        `${shot.model_label} · ${shot.duration_secs} s${shot.link === 'none' ? '' : ` · ${LINK_LABEL[shot.link]}`}`,
      ),
      h(
        'div',
        { class: 'seq-shot-buttons' },
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'aria-label': `Move shot ${shot.position} left`,
            'data-testid': `shot-left-${shot.id}`,
            disabled: index === 0,
            onclick: (event: Event) => {
              event.stopPropagation();
              void move(shot, movedPosition(shot.position, -1, count));
            },
          },
          '◀',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'aria-label': `Move shot ${shot.position} right`,
            'data-testid': `shot-right-${shot.id}`,
            disabled: index === count - 1,
            onclick: (event: Event) => {
              event.stopPropagation();
              void move(shot, movedPosition(shot.position, 1, count));
            },
          },
          '▶',
        ),
      ),
    );
    card.addEventListener('dragstart', (event) => {
      event.dataTransfer?.setData('text/plain', String(index));
      card.classList.add('dragging');
    });
    card.addEventListener('dragend', () => card.classList.remove('dragging'));
    card.addEventListener('dragover', (event) => event.preventDefault());
    card.addEventListener('drop', (event) => {
      event.preventDefault();
      const from = Number(event.dataTransfer?.getData('text/plain') ?? '-1');
      const moved = current?.shots[from];
      if (moved) void move(moved, dropPosition(from, index));
    });
    return card;
  }

  function modelSelect(value: string, testId: string): HTMLSelectElement {
    const select = h('select', { 'data-testid': testId, 'aria-label': 'Model' });
    for (const m of catalog.models) select.append(h('option', { value: m.id, selected: m.id === value }, m.label));
    select.value = value;
    return select;
  }

  function linkSelect(position: number, value: ShotLinkName, testId: string): HTMLSelectElement {
    const select = h('select', { 'data-testid': testId, 'aria-label': 'Link to the previous shot' });
    for (const link of allowedLinks(position)) select.append(h('option', { value: link }, LINK_LABEL[link]));
    select.value = allowedLinks(position).includes(value) ? value : 'none';
    return select;
  }

  /** The fields of a shot; `save` gets what they hold. */
  function shotForm(
    shot: ShotInput,
    position: number,
    prefix: string,
    saveLabel: string,
    save: (input: ShotInput) => Promise<void>,
  ): HTMLElement {
    const prompt = h('textarea', { rows: 3, 'data-testid': `${prefix}-prompt`, 'aria-label': 'Prompt' });
    prompt.value = shot.prompt;
    const model = modelSelect(shot.model, `${prefix}-model`);
    const duration = h('input', {
      type: 'number',
      min: 1,
      max: 30,
      value: shot.duration_secs,
      'data-testid': `${prefix}-duration`,
      'aria-label': 'Length in seconds',
    });
    const link = linkSelect(position, shot.link, `${prefix}-link`);
    link.addEventListener('change', () => {
      model.value = modelForLink(link.value as ShotLinkName, model.value, defaultModel);
    });
    const saveButton = h('button', { type: 'button', class: 'primary', 'data-testid': `${prefix}-save` }, saveLabel);
    saveButton.addEventListener('click', () => {
      const secs = Number(duration.value);
      if (!Number.isInteger(secs) || secs < 1) {
        say('The length must be a whole number of seconds, for example 5.');
        duration.focus();
        return;
      }
      void save({ prompt: prompt.value, model: model.value, duration_secs: secs, link: link.value as ShotLinkName });
    });
    return h(
      'div',
      { class: 'seq-form' },
      h('label', {}, 'Prompt', prompt),
      h(
        'div',
        { class: 'seq-form-row' },
        h('label', {}, 'Model', model),
        h('label', {}, 'Length (s)', duration),
        h('label', {}, 'Link', link),
      ),
      h('div', { class: 'buttons' }, saveButton),
    );
  }

  function takesPicker(shot: ShotView): HTMLElement {
    const group = h(
      'fieldset',
      { class: 'seq-takes', 'data-testid': 'shot-takes' },
      h('legend', {}, 'Take used in the film'),
    );
    if (shot.takes.length === 0) {
      group.append(h('p', { class: 'hint' }, 'No takes yet: Generate all makes one.'));
      return group;
    }
    const name = uid('take');
    const option = (value: number | null, label: string, testId: string) => {
      const input = h('input', {
        type: 'radio',
        name,
        checked: shot.chosen === value,
        'data-testid': testId,
        onchange: () => void change(() => ipc.sequencesChooseTake(shot.id, value), 'Take chosen.'),
      });
      return h('label', { class: 'seq-take' }, input, label);
    };
    group.append(option(null, 'The first finished take', `take-auto-${shot.id}`));
    for (const take of shot.takes) {
      const verdict = take.verdict === 'starred' ? ' ★' : take.verdict === 'rejected' ? ' (rejected)' : '';
      const poster = take.has_video
        ? h('img', { src: ipc.thumbnailUrl(take.task), alt: '', class: 'seq-take-thumb' })
        : null;
      const row = option(
        take.task,
        `Take #${take.task} · ${take.state.replace('_', ' ')}${verdict}`,
        `take-${take.task}`,
      );
      if (poster) row.prepend(poster);
      group.append(row);
    }
    return group;
  }

  function selectedEditor(seq: SequenceView): HTMLElement | null {
    const shot = seq.shots.find((s) => s.id === selectedShot);
    if (!shot) return null;
    const remove = h('button', { type: 'button', class: 'ghost', 'data-testid': 'shot-remove' }, 'Remove shot');
    remove.addEventListener('click', () =>
      askInline(remove, {
        question: `Remove shot ${shot.position}?`,
        detail: 'Its takes stay in the history.',
        confirmLabel: 'Yes, remove',
        testId: 'shot-remove-confirm',
        onConfirm: () => change(() => ipc.sequencesRemoveShot(shot.id), `Shot ${shot.position} removed.`),
      }),
    );
    const slot = h('div', { 'data-testid': 'shot-takes-slot' }, takesPicker(shot));
    takesSlot = slot;
    return h(
      'div',
      { class: 'seq-editor', 'data-testid': 'shot-editor' },
      h('h2', {}, `Shot ${shot.position}`),
      shotForm(shotInput(shot), shot.position, 'shot-edit', 'Save shot', (input) =>
        change(() => ipc.sequencesEditShot(shot.id, input), `Shot ${shot.position} saved.`),
      ),
      slot,
      h('div', { class: 'buttons' }, remove),
    );
  }

  function reportLines(): HTMLElement | null {
    const blocked = lastReport.filter((r) => r.standing === 'blocked' && r.reason);
    if (blocked.length === 0) return null;
    return h(
      'ul',
      { class: 'seq-report', 'data-testid': 'seq-report' },
      ...blocked.map((r) => h('li', {}, `Shot ${r.position}: ${r.reason}`)),
    );
  }

  async function generateAll(trigger: HTMLButtonElement, seq: SequenceView) {
    let quote: Awaited<ReturnType<typeof ipc.sequencesQuote>>;
    try {
      quote = await ipc.sequencesQuote(seq.id);
    } catch (error) {
      say(message(error));
      return;
    }
    const ask = generateQuestion(quote);
    if (!ask) {
      say('Every shot already has a take finished or on its way: nothing to pay for.');
      return;
    }
    askInline(trigger, {
      ...ask,
      confirmLabel: 'Yes, generate',
      tone: 'primary',
      testId: 'seq-generate-confirm',
      onConfirm: () => {
        generating = true;
        lastReport = [];
        say('Generating: shots that follow another wait for the take before them.');
        renderLive();
        ipc
          .sequencesGenerate(seq.id, quote.credits)
          .then((report) => {
            lastReport = report;
            const blocked = report.filter((r) => r.standing === 'blocked').length;
            say(
              blocked > 0
                ? `${blocked} shot${blocked === 1 ? ' is' : 's are'} blocked: see why below.`
                : 'Every shot was sent. Takes appear here as they finish.',
            );
          })
          .catch((error) => say(message(error)))
          .finally(() => {
            generating = false;
            void refresh();
          });
      },
    });
  }

  async function stitch(seq: SequenceView) {
    stitching = true;
    stitchFraction = 0;
    say('Stitching the film…');
    renderLive();
    unlistenStitch = await listen<{ sequenceId: number; fraction: number }>(STITCH_PROGRESS_EVENT, (event) => {
      if (event.payload.sequenceId !== seq.id) return;
      stitchFraction = event.payload.fraction;
      const bar = el.querySelector<HTMLElement>('[data-testid="seq-stitch-bar"]');
      bar?.setAttribute('aria-valuenow', String(percent(stitchFraction)));
      const fill = bar?.firstElementChild as HTMLElement | null;
      if (fill) fill.style.width = `${percent(stitchFraction)}%`;
    });
    try {
      const film = await ipc.sequencesStitch(seq.id);
      const how = film.lossless ? 'joined without re-encoding' : `re-encoded: ${film.reasons.join('; ')}`;
      say(`The film is in the library: ${film.path} (${film.duration_secs.toFixed(1)} s, ${how}).`);
      toast('Film stitched into the library.');
    } catch (error) {
      say(message(error));
    } finally {
      unlistenStitch?.();
      unlistenStitch = null;
      stitching = false;
      await refresh();
    }
  }

  async function exportSequence(seq: SequenceView) {
    try {
      const files = await ipc.sequencesExport(seq.id);
      if (files) say(`Exported: ${files.join(', ')}.`);
    } catch (error) {
      say(message(error));
    }
  }

  /** Everything; the forms lose what was typed and not saved. */
  function render() {
    clear(detail);
    const seq = current;
    if (!seq) {
      detail.append(h('p', { class: 'hint' }, 'Open a sequence, or create one: a film planned shot by shot.'), status);
      return;
    }
    detail.append(titleRow(seq), live, forms(seq));
    renderLive();
  }

  function titleRow(seq: SequenceView): HTMLElement {
    const rename = h('input', {
      type: 'text',
      value: seq.name,
      'aria-label': 'Sequence name',
      'data-testid': 'seq-name',
    });
    const renameButton = h('button', { type: 'button', class: 'ghost', 'data-testid': 'seq-rename' }, 'Rename');
    renameButton.addEventListener(
      'click',
      () => void change(() => ipc.sequencesRename(seq.id, rename.value), 'Renamed.'),
    );
    const remove = h('button', { type: 'button', class: 'ghost', 'data-testid': 'seq-delete' }, 'Delete sequence');
    remove.addEventListener('click', () =>
      askInline(remove, {
        question: `Delete "${seq.name}"?`,
        detail: 'Its takes stay in the history and its films in the library.',
        confirmLabel: 'Yes, delete',
        testId: 'seq-delete-confirm',
        onConfirm: async () => {
          try {
            await ipc.sequencesDelete(seq.id);
            current = null;
            selectedShot = null;
            say(`Deleted "${seq.name}".`);
            await loadList();
            render();
          } catch (error) {
            say(message(error));
          }
        },
      }),
    );
    return h('div', { class: 'seq-title' }, rename, renameButton, h('div', { class: 'spacer' }), remove);
  }

  /** The strip, the actions and what a run said: redrawn on every task change, while the
   *  forms below keep what is being typed. */
  function renderLive() {
    clear(live);
    const seq = current;
    if (!seq) return;
    const strip = h('ol', { class: 'seq-strip', 'data-testid': 'seq-strip', 'aria-label': 'Shots' });
    seq.shots.forEach((shot, i) => {
      strip.append(shotCard(shot, i, seq.shots.length));
    });
    if (seq.shots.length === 0) strip.append(h('li', { class: 'hint' }, 'No shots yet: add the first one below.'));

    const generate = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'data-testid': 'seq-generate',
        disabled: generating || seq.shots.length === 0,
      },
      generating ? 'Generating…' : 'Generate all…',
    );
    generate.addEventListener('click', () => void generateAll(generate, seq));
    const stop = generating
      ? h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-testid': 'seq-generate-stop',
            onclick: () => void ipc.sequencesGenerateStop(seq.id),
          },
          'Stop waiting',
        )
      : null;
    const stitchButton = h(
      'button',
      { type: 'button', 'data-testid': 'seq-stitch', disabled: stitching || seq.shots.length === 0 },
      'Stitch',
    );
    stitchButton.addEventListener('click', () => void stitch(seq));
    const exportButton = h('button', { type: 'button', class: 'ghost', 'data-testid': 'seq-export' }, 'Export…');
    exportButton.addEventListener('click', () => void exportSequence(seq));
    const progress = stitching
      ? h(
          'div',
          { class: 'seq-stitching' },
          h(
            'div',
            {
              class: 'progress',
              role: 'progressbar',
              'aria-label': 'Stitching',
              'aria-valuemin': 0,
              'aria-valuemax': 100,
              'aria-valuenow': percent(stitchFraction),
              'data-testid': 'seq-stitch-bar',
            },
            h('div', { style: `width:${percent(stitchFraction)}%` }),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'data-testid': 'seq-stitch-cancel',
              onclick: () => void ipc.sequencesStitchCancel(seq.id),
            },
            'Cancel',
          ),
        )
      : null;

    const lastFilm = seq.films[seq.films.length - 1];
    append(live, [
      strip,
      h('div', { class: 'buttons seq-actions' }, generate, stop, stitchButton, exportButton),
      progress,
      // The same element on every redraw: what was said stays next to the buttons.
      status,
      reportLines(),
      lastFilm ? h('p', { class: 'hint', 'data-testid': 'seq-last-film' }, `Last film: ${lastFilm.path}`) : null,
    ]);
  }

  function forms(seq: SequenceView): HTMLElement {
    return h(
      'div',
      {},
      selectedEditor(seq),
      h(
        'details',
        { class: 'seq-add', 'data-testid': 'shot-add', open: seq.shots.length === 0 },
        h('summary', {}, 'Add a shot'),
        shotForm(
          {
            prompt: '',
            model: defaultModel,
            duration_secs: catalog.models[0]?.default_duration_secs ?? 5,
            link: 'none',
          },
          seq.shots.length + 1,
          'shot-new',
          'Add shot',
          (input) => change(() => ipc.sequencesAddShot(seq.id, input, null), 'Shot added.'),
        ),
      ),
    );
  }

  /** Redraws the selected shot's takes from `current`, keeping the focus on the same take. */
  function renderTakes() {
    const shot = current?.shots.find((s) => s.id === selectedShot);
    if (!takesSlot || !shot || !takesSlot.isConnected) return;
    const focused = takesSlot.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.testid
      : undefined;
    takesSlot.replaceChildren(takesPicker(shot));
    if (focused) (takesSlot.querySelector(`[data-testid="${focused}"]`) as HTMLElement | null)?.focus();
  }

  /** Reads the sequence again; `all` redraws the forms too. */
  async function refresh(all = true) {
    if (!current) return;
    try {
      const view = await ipc.sequenceGet(current.id);
      if (all) show(view);
      else {
        current = view;
        renderLive();
        renderTakes();
      }
    } catch (error) {
      say(message(error));
    }
  }

  const newButton = h('button', { type: 'button', 'data-testid': 'seq-create' }, 'New');
  newButton.addEventListener('click', () => void create());
  nameField.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void create();
  });

  el.append(
    h('h1', { id: titleId }, 'Sequences'),
    h(
      'div',
      { class: 'seq-layout' },
      h('aside', { class: 'seq-side' }, h('div', { class: 'seq-new' }, nameField, newButton), list),
      detail,
    ),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', 'data-testid': 'sequences-close', onclick: () => el.close() }, 'Close'),
    ),
  );

  return {
    el,
    async open() {
      if (!el.open) el.showModal();
      try {
        await loadList();
        if (!current && summaries[0]) await openSequence(summaries[0].id);
        else render();
      } catch (error) {
        say(message(error));
      }
      markPainted('sequences-painted');
    },
    taskChanged(task) {
      if (!el.open || !current) return;
      const takes = current.shots.flatMap((s) => s.takes.map((t) => t.task));
      // A take's state moved, or a task newer than every take may be a new one (a run's
      // next take, a take made elsewhere): the strip and the open shot's takes follow.
      const newer = takes.every((id) => task.id > id);
      if (takes.includes(task.id) || newer || generating) void refresh(false);
    },
  };
}
