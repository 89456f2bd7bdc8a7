// Recent runs across workflows, newest first, filtered by workflow and status, paged; the first page refreshes every 5 s.

import { api, type RunSummary } from '../api';
import { h, replaceChildren } from '../dom';
import { formatDuration, millisBetween } from '../format';
import { startPolling } from '../poll';
import { runHref, workflowHref } from '../router';
import { errorSlot, showError, statusBadge, timeCell } from '../ui';

const RUN_STATUSES = ['', 'pending', 'running', 'succeeded', 'failed', 'cancelled'];
const PAGE = 50;

export function mountRuns(root: HTMLElement): () => void {
  const errors = errorSlot();
  const status = h('select', { 'data-testid': 'runs-status-filter', 'aria-label': 'Status' }, ...RUN_STATUSES.map((s) => h('option', { value: s }, s || 'any status')));
  const workflow = h('input', { type: 'search', placeholder: 'workflow id', 'data-testid': 'runs-workflow-filter', 'aria-label': 'Workflow id' });
  const body = h('tbody');
  const more = h('button', { type: 'button', 'data-testid': 'runs-more' }, 'Older runs');
  more.hidden = true;
  root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Runs')),
    errors,
    h(
      'div',
      { class: 'card' },
      h('div', { class: 'filters' }, h('label', null, 'Status ', status), h('label', null, 'Workflow ', workflow)),
      h(
        'table',
        { class: 'table', 'data-testid': 'runs-table' },
        h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'Workflow'), h('th', null, 'Status'), h('th', null, 'Trigger'), h('th', null, 'Created'), h('th', null, 'Duration'))),
        body,
      ),
      more,
    ),
  );

  let continuation: string | null = null;
  let older: RunSummary[] = [];

  const query = (): { workflowId?: string; status?: string; limit: number } => {
    const q: { workflowId?: string; status?: string; limit: number } = { limit: PAGE };
    if (status.value) q.status = status.value;
    if (workflow.value.trim()) q.workflowId = workflow.value.trim();
    return q;
  };

  const render = (items: readonly RunSummary[]): void => {
    const now = new Date();
    replaceChildren(
      body,
      ...items.map((r) =>
        h(
          'tr',
          { 'data-testid': 'run-row', 'data-run-id': r.runId },
          h('td', null, h('a', { href: runHref(r.runId), class: 'mono' }, r.runId)),
          h('td', null, h('a', { href: workflowHref(r.workflowId) }, r.workflowId), h('span', { class: 'muted' }, ` v${r.version}`)),
          h('td', null, statusBadge(r.status)),
          h('td', null, r.trigger),
          h('td', null, timeCell(r.createdAt, now)),
          h('td', null, r.finishedAt ? formatDuration(millisBetween(r.createdAt, r.finishedAt)) : h('span', { class: 'muted' }, '…')),
        ),
      ),
    );
    if (items.length === 0) body.appendChild(h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No runs match.')));
  };

  let first: RunSummary[] = [];
  const poller = startPolling(async () => {
    try {
      const page = await api.listRuns(query());
      first = page.items;
      if (older.length === 0) continuation = page.continuation ?? null;
      showError(errors, null);
      render([...first, ...older.filter((o) => !first.some((f) => f.runId === o.runId))]);
      more.hidden = continuation === null;
    } catch (e) {
      showError(errors, e);
    }
    return true;
  }, 5000);

  const reset = (): void => {
    older = [];
    continuation = null;
    poller.refresh();
  };
  status.addEventListener('change', reset);
  workflow.addEventListener('change', reset);
  more.addEventListener('click', () => {
    if (continuation === null) return;
    more.disabled = true;
    void api
      .listRuns({ ...query(), continuation })
      .then(
        (page) => {
          older = [...older, ...page.items];
          continuation = page.continuation ?? null;
          render([...first, ...older]);
          more.hidden = continuation === null;
        },
        (e: unknown) => showError(errors, e),
      )
      .finally(() => {
        more.disabled = false;
      });
  });
  return () => poller.stop();
}
