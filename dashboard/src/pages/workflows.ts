// The workflows list: schedule, next fire time, last run, pause toggle; refreshed every 5 s.

import { api, type WorkflowSummary } from '../api';
import { h, replaceChildren } from '../dom';
import { startPolling } from '../poll';
import { editorHref, runHref, workflowHref } from '../router';
import { errorSlot, showError, statusBadge, timeCell } from '../ui';

export function mountWorkflows(root: HTMLElement): () => void {
  const errors = errorSlot();
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'table', 'data-testid': 'workflows-table' },
    h(
      'thead',
      null,
      h('tr', null, h('th', null, 'Workflow'), h('th', null, 'Schedule'), h('th', null, 'Time zone'), h('th', null, 'Next run'), h('th', null, 'Last run'), h('th', null, 'Scheduling')),
    ),
    body,
  );
  const empty = h('p', { class: 'muted', 'data-testid': 'workflows-empty' }, 'No workflows registered yet. Write one under New workflow, or register a file with `loom workflow apply FILE` (or POST /api/workflows).');
  empty.hidden = true;
  root.appendChild(h('div', { class: 'page-head' }, h('h1', null, 'Workflows'), h('a', { href: editorHref(null), 'data-testid': 'new-workflow' }, '+ New workflow')));
  root.appendChild(errors);
  root.appendChild(h('div', { class: 'card' }, table, empty));

  const render = (items: readonly WorkflowSummary[]): void => {
    const now = new Date();
    empty.hidden = items.length > 0;
    replaceChildren(body, ...items.map((w) => row(w, now, () => poller.refresh(), errors)));
  };

  const poller = startPolling(async () => {
    try {
      const page = await api.listWorkflows();
      showError(errors, null);
      render(page.items);
    } catch (e) {
      showError(errors, e);
    }
    return true;
  }, 5000);
  return () => poller.stop();
}

function row(w: WorkflowSummary, now: Date, changed: () => void, errors: HTMLElement): HTMLElement {
  const toggle = h(
    'button',
    {
      type: 'button',
      class: w.paused ? 'toggle off' : 'toggle on',
      'data-testid': 'pause-toggle',
      'data-paused': String(w.paused),
      title: w.paused ? 'Paused: click to resume scheduling' : 'Active: click to pause scheduling',
      'aria-pressed': String(!w.paused),
    },
    w.paused ? 'Paused' : 'Active',
  );
  toggle.addEventListener('click', () => {
    toggle.disabled = true;
    api.setPaused(w.id, !w.paused).then(
      () => changed(),
      (e: unknown) => {
        toggle.disabled = false;
        showError(errors, e);
      },
    );
  });
  const last = w.lastRun;
  return h(
    'tr',
    { 'data-testid': 'workflow-row', 'data-workflow-id': w.id, 'data-paused': String(w.paused) },
    h(
      'td',
      null,
      h('a', { href: workflowHref(w.id), class: 'strong', 'data-testid': 'workflow-link' }, w.id),
      w.name && w.name !== w.id ? h('div', { class: 'muted' }, w.name) : null,
      h('div', { class: 'muted small' }, `v${w.version} · ${w.taskCount} task${w.taskCount === 1 ? '' : 's'}`),
    ),
    h(
      'td',
      null,
      w.schedule ? h('div', null, w.schedule.description) : h('span', { class: 'muted' }, 'on demand'),
      w.schedule ? h('code', { class: 'small' }, w.schedule.cron) : null,
    ),
    h('td', null, w.schedule?.timezone ?? '–'),
    h('td', null, w.paused ? h('span', { class: 'muted' }, 'paused') : timeCell(w.nextFireTime, now, w.schedule?.timezone)),
    h(
      'td',
      null,
      last
        ? h('a', { href: runHref(last.runId), class: 'plain', title: last.runId }, statusBadge(last.status, 'last-run-status'), ' ', timeCell(last.createdAt, now))
        : h('span', { class: 'muted' }, 'never'),
    ),
    h('td', null, toggle),
  );
}
