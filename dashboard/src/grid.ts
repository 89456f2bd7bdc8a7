// The runs grid (Airflow's grid view): rows are tasks, columns are runs (oldest left), cells coloured by task status.

import type { InstanceSummary, RunTask } from './api';
import { h } from './dom';
import { formatAbsolute, formatClock, formatDuration, millisBetween } from './format';
import { INSTANCE_PAGE, instanceCountText, type ExpandedInstances } from './instances';
import { runHref } from './router';
import { isFinal, statusColour, statusLabel, toStatus, type Status } from './status';
import { statusBadge } from './ui';

export interface GridRun {
  runId: string;
  status: string;
  createdAt: string;
  finishedAt?: string | null;
  startedAt?: string | null;
  /** Task states; undefined while the run's detail is not loaded yet. */
  tasks?: ReadonlyArray<{ id: string; status: string; instances?: InstanceSummary | null }>;
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
  /** A forEach task's instances in that run ("×10 · 7✓ 3✗"); null otherwise. */
  instances: string | null;
}

export interface GridRow {
  taskId: string;
  /** True for a forEach task (one of the runs has instances of it). */
  fanOut: boolean;
  cells: GridCell[];
}

export interface Grid {
  columns: GridColumn[];
  rows: GridRow[];
}

/**
 * Builds the grid. `taskIds` is the current definition's order; tasks that only older runs have are appended.
 * `runs` may come newest first (as the API lists them): columns are sorted oldest to newest. `fanOut` names forEach tasks
 * (a run's instances of a task mark it too).
 */
export function buildGrid(taskIds: readonly string[], runs: readonly GridRun[], fanOut: ReadonlySet<string> = new Set()): Grid {
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
  const lookups = sorted.map((run) => (run.tasks ? new Map(run.tasks.map((t) => [t.id, t])) : null));
  const rows = ids.map((taskId) => {
    const cells = sorted.map((run, i) => {
      const task = lookups[i]?.get(taskId);
      return { runId: run.runId, status: task ? toStatus(task.status) : null, instances: task?.instances ? instanceCountText(task.instances) : null };
    });
    return { taskId, fanOut: fanOut.has(taskId) || cells.some((c) => c.instances !== null), cells };
  });
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
      h('th', { class: 'grid-task', title: row.fanOut ? `${row.taskId} (forEach: one instance per item)` : row.taskId }, row.taskId, row.fanOut ? h('span', { class: 'fan-out', 'data-testid': 'grid-fan-out' }, ' ×') : null),
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
                title: `${row.taskId} · ${statusLabel(cell.status)}${cell.instances ? ` · ${cell.instances}` : ''}\n${cell.runId}`,
              }),
        ),
      ),
    ),
  );
  return h('div', { class: 'grid-scroll' }, h('table', { class: 'runs-grid', 'data-testid': 'runs-grid' }, h('thead', null, header), h('tbody', null, ...body)));
}

// The run page's tasks grid: one row per task, and under an expanded forEach task one row per instance.

/** What the tasks grid calls back. */
export interface RunTasksHandlers {
  /** A task or instance ("task[3]") was clicked: inspect its attempts. */
  select(id: string): void;
  /** Show or hide a forEach task's instances. */
  toggle(taskId: string): void;
  /** Show the next page of a forEach task's instances. */
  more(taskId: string): void;
}

/** The run's tasks with their status, attempt, times and reason; a forEach task's row expands into its instances. */
export function renderRunTasks(
  tasks: readonly RunTask[],
  expanded: (taskId: string) => ExpandedInstances | undefined,
  handlers: RunTasksHandlers,
  selected: string | null,
  now: Date,
): HTMLElement {
  if (tasks.length === 0) return h('p', { class: 'muted' }, 'This run has no tasks.');
  const rows: HTMLElement[] = [];
  for (const task of tasks) {
    const open = expanded(task.id);
    const toggle = task.instances
      ? h(
          'button',
          {
            type: 'button',
            class: 'link expand',
            'data-testid': 'expand-instances',
            'data-task-id': task.id,
            'aria-expanded': open ? 'true' : 'false',
            title: open ? 'Hide the instances' : 'Show the instances',
          },
          `${open ? '▾' : '▸'} ${instanceCountText(task.instances)}`,
        )
      : null;
    toggle?.addEventListener('click', (e) => {
      e.stopPropagation();
      handlers.toggle(task.id);
    });
    rows.push(
      clickable(
        h(
          'tr',
          { class: task.id === selected ? 'task-row selected' : 'task-row', 'data-testid': 'task-row', 'data-task-id': task.id, 'data-status': toStatus(task.status) },
          h('td', { class: 'mono' }, task.id, ' ', toggle),
          // A forEach task makes no attempt of its own: its instances do.
          ...stateCells(task.instances ? { ...task, attempt: 0 } : task, task.maxAttempts, now),
        ),
        () => handlers.select(task.id),
      ),
    );
    if (open) rows.push(...instanceRows(task.id, task.maxAttempts, open, handlers, selected, now));
  }
  return h(
    'table',
    { class: 'table compact run-tasks', 'data-testid': 'run-tasks' },
    h('thead', null, h('tr', null, ...['task', 'status', 'try', 'started', 'duration', 'reason'].map((c) => h('th', null, c)))),
    h('tbody', null, ...rows),
  );
}

function instanceRows(taskId: string, maxAttempts: number | null, open: ExpandedInstances, handlers: RunTasksHandlers, selected: string | null, now: Date): HTMLElement[] {
  const rows = open.items.map((instance) =>
    clickable(
      h(
        'tr',
        {
          class: instance.id === selected ? 'instance-row selected' : 'instance-row',
          'data-testid': 'instance-row',
          'data-task-id': taskId,
          'data-instance-id': instance.id,
          'data-index': instance.index,
          'data-status': toStatus(instance.status),
        },
        h('td', { class: 'mono instance-id' }, instance.id),
        ...stateCells(instance, maxAttempts, now),
      ),
      () => handlers.select(instance.id),
    ),
  );
  const note = (text: string, testid: string): HTMLElement => h('tr', { class: 'instance-note', 'data-testid': testid }, h('td', { colspan: 6, class: 'muted small' }, text));
  if (open.error) rows.push(note(`Instances could not be read: ${open.error instanceof Error ? open.error.message : String(open.error)}`, 'instances-error'));
  if (open.loading && open.items.length < Math.min(open.shown, open.total || open.shown)) rows.push(note('Loading instances…', 'instances-loading'));
  else if (!open.loading && open.total === 0 && !open.error) rows.push(note('The list is not resolved yet.', 'instances-empty'));
  if (open.items.length < open.total && open.items.length >= open.shown) {
    const more = h('button', { type: 'button', class: 'link', 'data-testid': 'instances-more', 'data-task-id': taskId }, `show ${Math.min(INSTANCE_PAGE, open.total - open.items.length)} more`);
    more.addEventListener('click', () => handlers.more(taskId));
    rows.push(h('tr', { class: 'instance-note' }, h('td', { colspan: 6, class: 'muted small' }, `${open.items.length} of ${open.total} instances shown · `, more)));
  }
  return rows;
}

/** Status, try, start, duration and reason of a task or an instance. */
function stateCells(
  x: { status: string; attempt: number; startedAt: string | null; finishedAt: string | null; dueAt: string | null; reason: string | null; statusCode: number | null },
  maxAttempts: number | null,
  now: Date,
): HTMLElement[] {
  const status = toStatus(x.status);
  const running = x.startedAt !== null && x.finishedAt === null && !isFinal(status);
  const reason = [x.reason ?? '', status === 'retrying' && x.dueAt ? `next try at ${formatClock(x.dueAt)}` : '', x.statusCode !== null && !x.reason ? `HTTP ${x.statusCode}` : '']
    .filter((p) => p !== '')
    .join(' · ');
  return [
    h('td', null, statusBadge(x.status)),
    h('td', null, x.attempt > 0 ? `${x.attempt}${maxAttempts ? `/${maxAttempts}` : ''}` : '–'),
    h('td', { title: formatAbsolute(x.startedAt) }, formatClock(x.startedAt)),
    h('td', null, formatDuration(millisBetween(x.startedAt, running ? now : x.finishedAt)), running ? '…' : ''),
    h('td', { class: 'small reason-cell', title: reason }, reason),
  ];
}

function clickable(row: HTMLElement, select: () => void): HTMLElement {
  row.tabIndex = 0;
  row.addEventListener('click', select);
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') select();
  });
  return row;
}
