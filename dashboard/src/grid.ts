// The runs grid (Airflow's grid view): rows are tasks, columns are runs (oldest left), cells coloured by task status.

import { h } from './dom';
import { formatAbsolute, formatDuration, millisBetween } from './format';
import { runHref } from './router';
import { statusColour, statusLabel, toStatus, type Status } from './status';

export interface GridRun {
  runId: string;
  status: string;
  createdAt: string;
  finishedAt?: string | null;
  startedAt?: string | null;
  /** Task states; undefined while the run's detail is not loaded yet. */
  tasks?: ReadonlyArray<{ id: string; status: string }>;
}

export interface GridColumn {
  runId: string;
  status: Status;
  createdAt: string;
  durationMs: number | null;
}

export interface GridCell {
  runId: string;
  /** null when the task is not part of that run (another version) or the run is still loading. */
  status: Status | null;
}

export interface GridRow {
  taskId: string;
  cells: GridCell[];
}

export interface Grid {
  columns: GridColumn[];
  rows: GridRow[];
}

/**
 * Builds the grid. `taskIds` is the current definition's order; tasks that only older runs have are appended.
 * `runs` may come newest first (as the API lists them): columns are sorted oldest to newest.
 */
export function buildGrid(taskIds: readonly string[], runs: readonly GridRun[]): Grid {
  const sorted = [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
  const ids = [...taskIds];
  const known = new Set(ids);
  for (const run of sorted) {
    for (const t of run.tasks ?? []) {
      if (!known.has(t.id)) {
        known.add(t.id);
        ids.push(t.id);
      }
    }
  }
  const columns = sorted.map((run) => ({
    runId: run.runId,
    status: toStatus(run.status),
    createdAt: run.createdAt,
    durationMs: millisBetween(run.startedAt ?? run.createdAt, run.finishedAt),
  }));
  const lookups = sorted.map((run) => (run.tasks ? new Map(run.tasks.map((t) => [t.id, toStatus(t.status)])) : null));
  const rows = ids.map((taskId) => ({
    taskId,
    cells: sorted.map((run, i) => ({ runId: run.runId, status: lookups[i]?.get(taskId) ?? null })),
  }));
  return { columns, rows };
}

/** The grid as a table; every cell links to its run. */
export function renderGrid(grid: Grid): HTMLElement {
  if (grid.columns.length === 0) return h('p', { class: 'muted', 'data-testid': 'runs-grid-empty' }, 'No runs yet.');
  const header = h(
    'tr',
    null,
    h('th', { class: 'grid-task' }, 'task \\ run'),
    ...grid.columns.map((c) =>
      h(
        'th',
        { class: 'grid-col' },
        h('a', {
          href: runHref(c.runId),
          class: 'grid-run-bar',
          'data-testid': 'grid-run',
          'data-run-id': c.runId,
          'data-status': c.status,
          style: `background:${statusColour(c.status)}`,
          title: `${c.runId}\n${statusLabel(c.status)} · ${formatAbsolute(c.createdAt)} · ${formatDuration(c.durationMs)}`,
        }),
      ),
    ),
  );
  const body = grid.rows.map((row) =>
    h(
      'tr',
      { 'data-testid': 'grid-row', 'data-task-id': row.taskId },
      h('th', { class: 'grid-task', title: row.taskId }, row.taskId),
      ...row.cells.map((cell) =>
        h(
          'td',
          { class: 'grid-cell-td' },
          cell.status === null
            ? h('span', { class: 'grid-cell none', title: `${row.taskId}: not in this run` })
            : h('a', {
                href: runHref(cell.runId),
                class: 'grid-cell',
                'data-testid': 'grid-cell',
                'data-run-id': cell.runId,
                'data-task-id': row.taskId,
                'data-status': cell.status,
                style: `background:${statusColour(cell.status)}`,
                title: `${row.taskId} · ${statusLabel(cell.status)}\n${cell.runId}`,
              }),
        ),
      ),
    ),
  );
  return h('div', { class: 'grid-scroll' }, h('table', { class: 'runs-grid', 'data-testid': 'runs-grid' }, h('thead', null, header), h('tbody', null, ...body)));
}
