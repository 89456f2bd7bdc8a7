// The statistics panel of a workflow's page: runs by final status, success rate, run duration p50/p95, retries, and the
// slowest tasks by p95, from GET /api/workflows/{id}/stats (hourly aggregates: cheap to ask whatever the history).

import type { WorkflowStats } from './api';
import { h } from './dom';
import { formatDuration } from './format';

/** A fraction as a percentage with at most one decimal ("–" without a value). */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${Math.round(value * 1000) / 10} %`;
}

/** The panel for one answer: figures in a row, then a table of the slowest tasks. */
export function renderStats(stats: WorkflowStats): HTMLElement {
  if (stats.runs === 0) {
    return h('p', { class: 'muted', 'data-testid': 'stats-empty' }, 'No run ended in this range yet.');
  }
  const figure = (label: string, value: string, testid: string): HTMLElement =>
    h('div', { class: 'figure' }, h('div', { class: 'muted small' }, label), h('div', { 'data-testid': testid }, value));
  const figures = h(
    'div',
    { class: 'figures' },
    figure('Runs', `${stats.runs} (${stats.succeeded} ok · ${stats.failed} failed · ${stats.cancelled} cancelled)`, 'stats-runs'),
    figure('Success rate', percent(stats.successRate), 'stats-success'),
    figure('Duration p50 / p95', `${formatDuration(stats.durationP50Ms)} / ${formatDuration(stats.durationP95Ms)}`, 'stats-duration'),
    figure('Retries per run', stats.retriesPerRun === null ? '–' : `${Math.round(stats.retriesPerRun * 100) / 100} (${stats.retriedRuns} run${stats.retriedRuns === 1 ? '' : 's'} retried)`, 'stats-retries'),
  );
  const rows = stats.slowestTasks.map((t) =>
    h(
      'tr',
      { 'data-testid': `stats-task-${t.taskId}` },
      h('td', null, t.taskId),
      h('td', null, formatDuration(t.p50Ms)),
      h('td', null, formatDuration(t.p95Ms)),
      h('td', null, String(t.runs)),
      h('td', null, String(t.failed)),
      h('td', null, String(t.retries)),
    ),
  );
  const table = h(
    'table',
    { class: 'table', 'data-testid': 'stats-tasks' },
    h('thead', null, h('tr', null, h('th', null, 'Slowest task'), h('th', null, 'p50'), h('th', null, 'p95'), h('th', null, 'Runs'), h('th', null, 'Failed'), h('th', null, 'Retries'))),
    h('tbody', null, ...rows),
  );
  const note = h('p', { class: 'muted small' }, `Runs that ended since ${new Date(stats.from).toISOString().slice(0, 16).replace('T', ' ')} UTC; percentiles within ${percent(stats.percentileError)}.`);
  return h('div', { 'data-testid': 'stats-panel' }, figures, rows.length > 0 ? table : null, note);
}
