// forEach instances grouped under their task: the count line of a task's instances, and the instances a page has
// expanded, fetched a page at a time (GET /api/runs/{runId}/tasks/{taskId}/instances) and refreshed with the run.

import { listInstances, type InstanceList, type InstanceSummary, type TaskInstance } from './api';
import { isFinal, toStatus, type Status } from './status';

/** Instances shown when a task is expanded, and added by each "more". */
export const INSTANCE_PAGE = 100;

/** The most instances one request may ask for (the route's limit). */
export const MAX_INSTANCE_REQUEST = 1000;

/** Statuses in the order a count line and a progress bar show them. */
const ORDER: readonly Status[] = ['succeeded', 'failed', 'cancelled', 'running', 'retrying', 'waiting', 'pending', 'skipped'];

/** A task's instances by status, in display order, without zero counts; statuses the dashboard does not know last. */
export function instanceCounts(summary: InstanceSummary): Array<{ status: Status; count: number }> {
  const counts = new Map<Status, number>();
  for (const [name, count] of Object.entries(summary.counts ?? {})) {
    if (!(count > 0)) continue;
    const status = toStatus(name);
    counts.set(status, (counts.get(status) ?? 0) + count);
  }
  return [...counts.entries()].map(([status, count]) => ({ status, count })).sort((a, b) => rank(a.status) - rank(b.status));
}

function rank(status: Status): number {
  const i = ORDER.indexOf(status);
  return i < 0 ? ORDER.length : i;
}

/** "×10 · 7✓ 1✗ 2⟳": the number of instances, then the finished and active ones (pending ones are the rest). */
export function instanceCountText(summary: InstanceSummary): string {
  let done = 0;
  let failed = 0;
  let cancelled = 0;
  let active = 0;
  for (const { status, count } of instanceCounts(summary)) {
    if (status === 'succeeded') done += count;
    else if (status === 'failed') failed += count;
    else if (status === 'cancelled' || status === 'skipped') cancelled += count;
    else if (status === 'running' || status === 'retrying' || status === 'waiting') active += count;
  }
  const parts = [done > 0 ? `${done}✓` : '', failed > 0 ? `${failed}✗` : '', active > 0 ? `${active}⟳` : '', cancelled > 0 ? `${cancelled}⊘` : ''].filter((p) => p !== '');
  return parts.length > 0 ? `×${summary.total} · ${parts.join(' ')}` : `×${summary.total}`;
}

/** The task and index of an instance id "task[3]"; null for a task's own id. */
export function parseInstanceId(id: string): { taskId: string; index: number } | null {
  const match = /^(.*)\[(\d+)\]$/.exec(id);
  return match ? { taskId: match[1]!, index: Number(match[2]) } : null;
}

/** What an expanded task shows: the instances loaded so far (the first `shown`), and whether more are being fetched. */
export interface ExpandedInstances {
  taskId: string;
  /** Instances asked for: a multiple of {@link INSTANCE_PAGE}; never more are fetched, on a refresh either. */
  shown: number;
  /** Instances from index 0, at most `shown`; empty before the first answer. */
  items: TaskInstance[];
  /** Instances the task has (0 while its list is not resolved). */
  total: number;
  loading: boolean;
  error: unknown;
}

/** Fetches one page of a task's instances. */
export type InstanceFetcher = (runId: string, taskId: string, offset: number, limit: number) => Promise<InstanceList>;

/**
 * The forEach tasks a run page has expanded. Each shows its first {@link INSTANCE_PAGE} instances, "more" adds a page,
 * and {@link refresh} reads again exactly the instances shown (in requests of at most {@link MAX_INSTANCE_REQUEST}) while
 * the task can still change; `changed` is called whenever what is shown changes.
 */
export class InstanceExpansions {
  private readonly expanded = new Map<string, ExpandedInstances & { settled: boolean; ticket: number }>();

  constructor(
    private readonly runId: string,
    private readonly changed: () => void,
    private readonly fetchPage: InstanceFetcher = listInstances,
  ) {}

  /** True when the task's instances are shown. */
  isExpanded(taskId: string): boolean {
    return this.expanded.has(taskId);
  }

  /** What an expanded task shows; undefined when it is collapsed. */
  get(taskId: string): ExpandedInstances | undefined {
    return this.expanded.get(taskId);
  }

  /** Every expanded task's instances, by task id. */
  all(): ReadonlyMap<string, ExpandedInstances> {
    return this.expanded;
  }

  /** Shows a task's first page of instances, or hides them. */
  toggle(taskId: string): Promise<void> {
    if (this.expanded.delete(taskId)) {
      this.changed();
      return Promise.resolve();
    }
    const entry = { taskId, shown: INSTANCE_PAGE, items: [], total: 0, loading: true, error: null, settled: false, ticket: 0 };
    this.expanded.set(taskId, entry);
    this.changed();
    return this.load(entry, 0);
  }

  /** Shows one more page of a task's instances. */
  more(taskId: string): Promise<void> {
    const entry = this.expanded.get(taskId);
    // Nothing more to show, or the page asked for last is not in yet.
    if (!entry || entry.items.length >= entry.total || entry.items.length < entry.shown) return Promise.resolve();
    const from = entry.shown;
    entry.shown += INSTANCE_PAGE;
    entry.loading = true;
    this.changed();
    return this.load(entry, from);
  }

  /**
   * Reads again the instances shown of every expanded task that may still change (`tasks` is the run's latest view: a task
   * read once after it reached a final status is not read again).
   */
  async refresh(tasks: ReadonlyArray<{ id: string; status: string }>): Promise<void> {
    const statuses = new Map(tasks.map((t) => [t.id, toStatus(t.status)]));
    const due: Array<Promise<void>> = [];
    for (const entry of this.expanded.values()) {
      const status = statuses.get(entry.taskId);
      const final = status !== undefined && isFinal(status);
      // A redrive makes a final task run again: it is read again from then on.
      if (!final) entry.settled = false;
      if (!entry.settled && !entry.loading) due.push(this.load(entry, 0, final));
    }
    await Promise.all(due);
  }

  /** Fetches the entry's instances from `from` up to `shown`, replacing those it had there. */
  private async load(entry: ExpandedInstances & { settled: boolean; ticket: number }, from: number, final = false): Promise<void> {
    const ticket = ++entry.ticket;
    entry.loading = true;
    try {
      const pages: InstanceList[] = [];
      for (let offset = from; offset < entry.shown; offset += MAX_INSTANCE_REQUEST) {
        const page = await this.fetchPage(this.runId, entry.taskId, offset, Math.min(MAX_INSTANCE_REQUEST, entry.shown - offset));
        pages.push(page);
        if (page.items.length === 0 || offset + page.items.length >= page.total) break;
      }
      // A collapsed task, or an answer a later read replaced, changes nothing.
      if (this.expanded.get(entry.taskId) !== entry || ticket !== entry.ticket) return;
      entry.items = [...entry.items.slice(0, from), ...pages.flatMap((p) => p.items)];
      entry.total = pages.at(-1)?.total ?? entry.total;
      entry.error = null;
      if (final) entry.settled = true;
    } catch (e) {
      if (this.expanded.get(entry.taskId) !== entry || ticket !== entry.ticket) return;
      entry.error = e;
    } finally {
      if (ticket === entry.ticket) entry.loading = false;
    }
    this.changed();
  }
}

/**
 * The forEach tasks among a definition's: those the definition marks (its `forEach` list template) and those any of the
 * given runs counted instances of (a definition view from an older host carries no `forEach`).
 */
export function fanOutTasks(
  definition: ReadonlyArray<{ id: string; forEach?: string | null }>,
  runs: Iterable<{ tasks: ReadonlyArray<{ id: string; instances?: InstanceSummary | null }> }>,
): Set<string> {
  const ids = new Set(definition.filter((t) => t.forEach != null).map((t) => t.id));
  for (const run of runs) {
    for (const t of run.tasks) if (t.instances) ids.add(t.id);
  }
  return ids;
}
