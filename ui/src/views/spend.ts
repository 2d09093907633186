// Spending (a modal dialog): credits per day as a bar chart in plain SVG, one colour per
// model, and a table per model of what was reserved, settled, refunded and is still held,
// with the balance the service last stated and a CSV export. Everything is read from the
// task history; nothing here talks to the service.

import type { SpendRowView } from '../bindings/SpendRowView';
import type { SpendView } from '../bindings/SpendView';
import { markPainted } from '../bench-marks';
import { append, clear, h, uid } from '../dom';
import * as ipc from '../ipc';

export interface SpendDialog {
  el: HTMLDialogElement;
  open(): Promise<void>;
}

const PERIODS = [7, 30, 90] as const;
const SVG = 'http://www.w3.org/2000/svg';
/** Distinct in both themes; a model beyond the list reuses them in order. */
const MODEL_COLOURS = ['#ef6f8e', '#f2a65a', '#5aa9f2', '#7bd389', '#b48ef2', '#f2d35a'];

const credits = (n: number) => Math.round(n * 100) / 100;
const fmt = (n: number) => credits(n).toLocaleString('en-US');

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

/** Every day of the period, oldest first, so days without spending still show. */
export function daysOf(firstDay: string, count: number): string[] {
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

/** What counts on a day's bar: what succeeded tasks cost plus what running ones hold. */
export const spentOf = (row: SpendRowView) => row.settled + row.held;

/** The chart: one bar per day, stacked by model, with the largest day's figure as scale. */
export function spendChart(view: SpendView): SVGSVGElement {
  const days = daysOf(view.first_day, view.days);
  const models = [...new Set(view.rows.map((r) => r.model_label))];
  const colour = (model: string) => MODEL_COLOURS[models.indexOf(model) % MODEL_COLOURS.length];
  const perDay = new Map<string, SpendRowView[]>();
  for (const row of view.rows) perDay.set(row.day, [...(perDay.get(row.day) ?? []), row]);
  const dayTotal = (day: string) => (perDay.get(day) ?? []).reduce((sum, r) => sum + spentOf(r), 0);
  const max = Math.max(1, ...days.map(dayTotal));
  const width = 640;
  const height = 180;
  const bottom = 20;
  const top = 14;
  const slot = width / days.length;
  const bar = Math.max(2, slot * 0.7);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    class: 'spend-chart',
    'data-testid': 'spend-chart',
    'aria-label': `Credits spent per day over the last ${view.days} days; the busiest day ${fmt(max)} credits.`,
  });
  chart.append(
    svg('line', { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: 'axis' }),
    svg('text', { x: 2, y: 10, class: 'axis-label' }, `${fmt(max)} credits`),
  );
  days.forEach((day, i) => {
    let y = height - bottom;
    const x = i * slot + (slot - bar) / 2;
    for (const row of perDay.get(day) ?? []) {
      const value = spentOf(row);
      if (value <= 0) continue;
      const barHeight = (value / max) * (height - bottom - top);
      y -= barHeight;
      chart.append(
        svg(
          'rect',
          { x, y, width: bar, height: barHeight, fill: colour(row.model_label), 'data-day': day },
          svg('title', {}, `${day} · ${row.model_label}: ${fmt(value)} credits (${row.tasks} tasks)`),
        ),
      );
    }
    // A date under the first, the last and every seventh day keeps the axis readable.
    if (i === 0 || i === days.length - 1 || (days.length > 10 && i % 7 === 0))
      chart.append(
        svg(
          'text',
          {
            x: x + bar / 2,
            y: height - 5,
            'text-anchor': i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle',
            class: 'axis-label',
          },
          day.slice(5),
        ),
      );
  });
  return chart;
}

export function createSpend(): SpendDialog {
  const titleId = uid('spend-title');
  const el = h('dialog', { 'aria-labelledby': titleId, 'data-testid': 'spend', class: 'wide' });
  const body = h('div');
  const status = h('p', { role: 'status', class: 'hint', 'data-testid': 'spend-status' });
  let days: number = 30;
  const offset = () => -new Date().getTimezoneOffset();

  const periodButtons = PERIODS.map((n) =>
    h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(n === days),
        'data-testid': `spend-period-${n}`,
        onclick: () => {
          days = n;
          for (const b of periodButtons) b.setAttribute('aria-pressed', String(b.dataset.days === String(n)));
          void render();
        },
        'data-days': n,
      },
      `${n} days`,
    ),
  );

  function table(view: SpendView): HTMLElement {
    const byModel = new Map<
      string,
      { tasks: number; reserved: number; settled: number; refunded: number; held: number }
    >();
    for (const r of view.rows) {
      const t = byModel.get(r.model_label) ?? { tasks: 0, reserved: 0, settled: 0, refunded: 0, held: 0 };
      t.tasks += r.tasks;
      t.reserved += r.reserved;
      t.settled += r.settled;
      t.refunded += r.refunded;
      t.held += r.held;
      byModel.set(r.model_label, t);
    }
    const models = [...byModel.keys()];
    const row = (cells: (string | HTMLElement)[], testId?: string) =>
      h('tr', testId ? { 'data-testid': testId } : {}, ...cells.map((c, i) => h(i === 0 ? 'th' : 'td', {}, c)));
    return h(
      'table',
      { class: 'spend-table', 'data-testid': 'spend-table' },
      h('thead', {}, row(['Model', 'Tasks', 'Reserved', 'Settled', 'Refunded', 'Still held'])),
      h(
        'tbody',
        {},
        ...models.map((m, i) => {
          const t = byModel.get(m);
          if (!t) return null;
          const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
          swatch.style.background = MODEL_COLOURS[i % MODEL_COLOURS.length];
          const name = h('span', {}, swatch, m);
          return row(
            [name, String(t.tasks), fmt(t.reserved), fmt(t.settled), fmt(t.refunded), fmt(t.held)],
            'spend-model-row',
          );
        }),
        row(
          [
            'All models',
            String(view.rows.reduce((s, r) => s + r.tasks, 0)),
            fmt(view.reserved),
            fmt(view.settled),
            fmt(view.refunded),
            fmt(view.held),
          ],
          'spend-total-row',
        ),
      ),
    );
  }

  async function render() {
    status.textContent = '';
    try {
      const view = await ipc.spendHistory(days, offset());
      clear(body);
      const summary =
        view.rows.length === 0
          ? `Nothing was spent in the last ${days} days.`
          : `${fmt(view.settled + view.held)} credits spent or held in the last ${days} days; ${fmt(view.refunded)} refunded after failures.`;
      append(body, [
        h('p', { 'data-testid': 'spend-summary' }, summary),
        spendChart(view),
        view.rows.length ? table(view) : null,
        view.last_balance !== null
          ? h(
              'p',
              { class: 'hint', 'data-testid': 'spend-balance' },
              `Balance last stated by the service: ${fmt(view.last_balance)} credits (${new Date(view.last_balance_at_ms ?? 0).toISOString().slice(0, 10)}, when it refused a task for lack of credits).`,
            )
          : null,
        h(
          'p',
          { class: 'hint' },
          'Reserved: held when a task was sent. Settled: what a finished video cost (the service may settle it above the reservation). Refunded: returned after a failure.',
        ),
      ]);
    } catch (error) {
      status.textContent = ipc.IpcError.from(error).message;
    }
  }

  const exportButton = h('button', { type: 'button', class: 'ghost', 'data-testid': 'spend-export' }, 'Export CSV…');
  exportButton.addEventListener('click', async () => {
    try {
      const path = await ipc.spendExportCsv(days, offset());
      if (path) status.textContent = `Saved ${path}.`;
    } catch (error) {
      status.textContent = ipc.IpcError.from(error).message;
    }
  });

  el.append(
    h('h1', { id: titleId }, 'Spending'),
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Period' }, ...periodButtons),
    body,
    status,
    h(
      'div',
      { class: 'buttons' },
      exportButton,
      h('div', { class: 'spacer' }),
      h('button', { type: 'button', 'data-testid': 'spend-close', onclick: () => el.close() }, 'Close'),
    ),
  );

  return {
    el,
    async open() {
      if (!el.open) el.showModal();
      await render();
      markPainted('spend-painted');
    },
  };
}
