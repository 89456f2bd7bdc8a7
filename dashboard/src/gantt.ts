// The run's timeline: one row per task, a bar from start to finish, and attempt segments when they are loaded. An
// expanded forEach task is followed by one row per instance shown (the same pages as the tasks grid).

import type { Attempt, InstanceSummary, TaskInstance } from './api';
import { h } from './dom';
import { formatAbsolute, formatDuration, toDate } from './format';
import { statusColour, statusLabel, toStatus, type Status } from './status';

export interface GanttTask {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Set for a forEach task (its instances counted); such a row can expand. */
  instances?: InstanceSummary | null;
}

/** The instances shown of an expanded forEach task. */
export interface GanttInstances {
  items: readonly TaskInstance[];
  total: number;
}

export interface GanttSpan {
  /** Milliseconds from the timeline's start. */
  offset: number;
  length: number;
}

export interface GanttAttempt extends GanttSpan {
  attempt: number;
  outcome: string;
  statusCode: number | null;
}

export interface GanttRow {
  /** The task's id, or an instance's ("task[3]"). */
  taskId: string;
  status: Status;
  bar: GanttSpan | null;
  attempts: GanttAttempt[];
  /** A forEach task's row: whether its instances are shown, and how many of how many. */
  fanOut?: { expanded: boolean; shown: number; total: number };
  /** An instance's row: its task. */
  instanceOf?: string;
}

export interface Gantt {
  /** Epoch milliseconds of the earliest start; null when nothing started. */
  start: number | null;
  /** Total milliseconds shown. */
  span: number;
  rows: GanttRow[];
  /** Tick offsets (ms) for the axis. */
  ticks: number[];
}

/** Computes bars; unfinished tasks run to `now`. `expanded` holds the instances shown of expanded forEach tasks. */
export function computeGantt(
  tasks: readonly GanttTask[],
  attempts: ReadonlyMap<string, readonly Attempt[]>,
  now: Date,
  expanded: ReadonlyMap<string, GanttInstances> = new Map(),
): Gantt {
  const nowMs = now.getTime();
  const entries: Array<{ t: GanttTask; extra: Pick<GanttRow, 'fanOut' | 'instanceOf'> }> = [];
  for (const t of tasks) {
    const open = expanded.get(t.id);
    entries.push({ t, extra: t.instances ? { fanOut: { expanded: open !== undefined, shown: open?.items.length ?? 0, total: open?.total ?? t.instances.total } } : {} });
    for (const instance of open?.items ?? []) entries.push({ t: instance, extra: { instanceOf: t.id } });
  }
  const spans = entries.map(({ t, extra }) => {
    const started = toDate(t.startedAt)?.getTime() ?? null;
    const finished = toDate(t.finishedAt)?.getTime() ?? null;
    const tries = (attempts.get(t.id) ?? [])
      .map((a) => ({ a, at: toDate(a.startedAt)?.getTime() ?? null }))
      .filter((x): x is { a: Attempt; at: number } => x.at !== null);
    return { t, extra, started, finished, tries };
  });
  const starts: number[] = [];
  const ends: number[] = [];
  for (const sp of spans) {
    if (sp.started !== null) {
      starts.push(sp.started);
      ends.push(sp.finished ?? Math.max(nowMs, sp.started));
    }
    for (const { a, at } of sp.tries) {
      starts.push(at);
      ends.push(at + Math.max(0, a.durationMs));
    }
  }
  if (starts.length === 0) {
    return { start: null, span: 0, rows: entries.map(({ t, extra }) => ({ taskId: t.id, status: toStatus(t.status), bar: null, attempts: [], ...extra })), ticks: [] };
  }
  const start = Math.min(...starts);
  const span = Math.max(1, Math.max(...ends) - start);
  const rows = spans.map(({ t, extra, started, finished, tries }) => ({
    ...extra,
    taskId: t.id,
    status: toStatus(t.status),
    bar: started === null ? null : { offset: started - start, length: Math.max(0, (finished ?? Math.max(nowMs, started)) - started) },
    attempts: tries.map(({ a, at }) => ({ attempt: a.attempt, outcome: a.outcome, statusCode: a.statusCode, offset: at - start, length: Math.max(0, a.durationMs) })),
  }));
  return { start, span, rows, ticks: niceTicks(span) };
}

/** Round tick steps (1, 2, 5 × 10^n ms) giving about five ticks. */
export function niceTicks(span: number): number[] {
  if (span <= 0) return [0];
  const raw = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) ticks.push(Math.round(t));
  return ticks;
}

const ATTEMPT_COLOURS: Record<string, Status> = {
  succeeded: 'succeeded',
  failed: 'failed',
  retryable: 'retrying',
  timeout: 'failed',
  accepted: 'waiting',
  refused: 'failed',
  cancelled: 'cancelled',
};

/** Expanding a forEach task's row and showing more of its instances (the run page passes its shared expansions). */
export interface GanttExpansion {
  toggle(taskId: string): void;
  more(taskId: string): void;
}

/** The Gantt chart as HTML; clicking a row selects its task (or instance). */
export function renderGantt(gantt: Gantt, onSelect?: (taskId: string) => void, selected?: string | null, expansion?: GanttExpansion): HTMLElement {
  if (gantt.start === null) return h('p', { class: 'muted', 'data-testid': 'gantt-empty' }, 'No task has started yet.');
  const pct = (ms: number): string => `${((ms / gantt.span) * 100).toFixed(3)}%`;
  const axis = h(
    'div',
    { class: 'gantt-row gantt-axis' },
    h('div', { class: 'gantt-label' }, formatAbsolute(new Date(gantt.start))),
    h('div', { class: 'gantt-track' }, ...gantt.ticks.map((t) => h('span', { class: 'gantt-tick', style: `left:${pct(t)}` }, `+${formatDuration(t)}`))),
  );
  const fanOuts = new Map(gantt.rows.filter((r) => r.fanOut).map((r) => [r.taskId, r.fanOut!]));
  const rows = gantt.rows.flatMap((row, i) => {
    const track = h('div', { class: 'gantt-track' });
    if (row.bar) {
      track.appendChild(
        h('div', {
          class: 'gantt-bar',
          'data-testid': 'gantt-bar',
          'data-task-id': row.taskId,
          'data-status': row.status,
          style: `left:${pct(row.bar.offset)};width:max(2px,${pct(row.bar.length)});background:${statusColour(row.status)}`,
          title: `${row.taskId} · ${statusLabel(row.status)} · ${formatDuration(row.bar.length)}`,
        }),
      );
    }
    for (const a of row.attempts) {
      const status = ATTEMPT_COLOURS[a.outcome.toLowerCase()] ?? 'unknown';
      track.appendChild(
        h('div', {
          class: 'gantt-attempt',
          'data-testid': 'gantt-attempt',
          style: `left:${pct(a.offset)};width:max(3px,${pct(a.length)});background:${statusColour(status)}`,
          title: `attempt ${a.attempt} · ${a.outcome}${a.statusCode !== null ? ` · HTTP ${a.statusCode}` : ''} · ${formatDuration(a.length)}`,
        }),
      );
    }
    const toggle = row.fanOut && expansion ? h('button', { type: 'button', class: 'link expand', 'data-testid': 'gantt-expand', 'aria-expanded': String(row.fanOut.expanded), title: row.fanOut.expanded ? 'Hide the instances' : 'Show one bar per instance' }, row.fanOut.expanded ? '▾' : '▸') : null;
    toggle?.addEventListener('click', (e) => {
      e.stopPropagation();
      expansion?.toggle(row.taskId);
    });
    const classes = ['gantt-row', row.instanceOf !== undefined ? 'instance' : '', row.taskId === selected ? 'selected' : ''].filter((c) => c !== '').join(' ');
    const rowElement = h(
      'div',
      { class: classes, 'data-task-id': row.taskId, 'data-instance-of': row.instanceOf },
      h('div', { class: 'gantt-label', title: row.taskId }, toggle, ' ', row.instanceOf !== undefined ? row.taskId.slice(row.instanceOf.length) : row.taskId),
      track,
    );
    if (onSelect) rowElement.addEventListener('click', () => onSelect(row.taskId));
    // After a forEach task's last row (the task's or its last instance's): the rest of its instances, a page at a time.
    const owner = row.instanceOf ?? row.taskId;
    const fan = fanOuts.get(owner);
    const next = gantt.rows[i + 1];
    if (!fan?.expanded || fan.shown >= fan.total || !expansion || next?.instanceOf === owner) return [rowElement];
    const more = h('button', { type: 'button', class: 'link', 'data-testid': 'gantt-more', 'data-task-id': owner }, `${fan.shown} of ${fan.total} shown · more`);
    more.addEventListener('click', () => expansion.more(owner));
    return [rowElement, h('div', { class: 'gantt-row gantt-more' }, h('div', { class: 'gantt-label' }, more), h('div'))];
  });
  return h('div', { class: 'gantt', 'data-testid': 'gantt' }, axis, ...rows);
}
