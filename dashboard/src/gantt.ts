// The run's timeline: one row per task, a bar from start to finish, and attempt segments when they are loaded.

import type { Attempt } from './api';
import { h } from './dom';
import { formatAbsolute, formatDuration, toDate } from './format';
import { statusColour, statusLabel, toStatus, type Status } from './status';

export interface GanttTask {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
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
  taskId: string;
  status: Status;
  bar: GanttSpan | null;
  attempts: GanttAttempt[];
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

/** Computes bars; unfinished tasks run to `now`. */
export function computeGantt(tasks: readonly GanttTask[], attempts: ReadonlyMap<string, readonly Attempt[]>, now: Date): Gantt {
  const nowMs = now.getTime();
  const spans = tasks.map((t) => {
    const started = toDate(t.startedAt)?.getTime() ?? null;
    const finished = toDate(t.finishedAt)?.getTime() ?? null;
    const tries = (attempts.get(t.id) ?? [])
      .map((a) => ({ a, at: toDate(a.startedAt)?.getTime() ?? null }))
      .filter((x): x is { a: Attempt; at: number } => x.at !== null);
    return { t, started, finished, tries };
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
    return { start: null, span: 0, rows: tasks.map((t) => ({ taskId: t.id, status: toStatus(t.status), bar: null, attempts: [] })), ticks: [] };
  }
  const start = Math.min(...starts);
  const span = Math.max(1, Math.max(...ends) - start);
  const rows = spans.map(({ t, started, finished, tries }) => ({
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

/** The Gantt chart as HTML; clicking a row selects its task. */
export function renderGantt(gantt: Gantt, onSelect?: (taskId: string) => void, selected?: string | null): HTMLElement {
  if (gantt.start === null) return h('p', { class: 'muted', 'data-testid': 'gantt-empty' }, 'No task has started yet.');
  const pct = (ms: number): string => `${((ms / gantt.span) * 100).toFixed(3)}%`;
  const axis = h(
    'div',
    { class: 'gantt-row gantt-axis' },
    h('div', { class: 'gantt-label' }, formatAbsolute(new Date(gantt.start))),
    h('div', { class: 'gantt-track' }, ...gantt.ticks.map((t) => h('span', { class: 'gantt-tick', style: `left:${pct(t)}` }, `+${formatDuration(t)}`))),
  );
  const rows = gantt.rows.map((row) => {
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
    const rowElement = h(
      'div',
      { class: row.taskId === selected ? 'gantt-row selected' : 'gantt-row', 'data-task-id': row.taskId },
      h('div', { class: 'gantt-label', title: row.taskId }, row.taskId),
      track,
    );
    if (onSelect) rowElement.addEventListener('click', () => onSelect(row.taskId));
    return rowElement;
  });
  return h('div', { class: 'gantt', 'data-testid': 'gantt' }, axis, ...rows);
}
