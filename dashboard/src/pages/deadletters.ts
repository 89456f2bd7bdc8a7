// Open dead letters, newest first, filtered by workflow and paged: acknowledge one, or redrive its run in place from its task.

import { acknowledgeDeadLetter, listDeadLetters, redriveRun, type DeadLetter } from '../api';
import { h, replaceChildren } from '../dom';
import { startPolling } from '../poll';
import { runHref, workflowHref } from '../router';
import { errorSlot, showError, timeCell } from '../ui';

const PAGE = 50;

/** The tasks a redrive from this dead letter runs again: its task (and downstream), or every task that did not succeed for a run's. */
export function redriveTasks(letter: DeadLetter): string[] {
  return letter.kind === 'task' && letter.taskId ? [letter.taskId] : [];
}

/** One table row of a dead letter, with its two actions. */
export function deadLetterRow(letter: DeadLetter, now: Date, onAck: (letter: DeadLetter) => void, onRedrive: (letter: DeadLetter) => void): HTMLElement {
  const ack = h('button', { type: 'button', 'data-testid': 'deadletter-ack' }, 'Acknowledge');
  const redrive = h('button', { type: 'button', 'data-testid': 'deadletter-redrive' }, 'Redrive');
  ack.addEventListener('click', () => onAck(letter));
  redrive.addEventListener('click', () => onRedrive(letter));
  return h(
    'tr',
    { 'data-testid': 'deadletter-row', 'data-id': letter.id },
    h('td', null, h('a', { href: workflowHref(letter.workflowId) }, letter.workflowId)),
    h('td', null, h('a', { href: runHref(letter.runId), class: 'mono' }, letter.runId)),
    h('td', null, letter.taskId ?? h('span', { class: 'muted' }, '(the run)')),
    h('td', null, letter.attempt === null ? '' : String(letter.attempt)),
    h('td', null, timeCell(letter.failedAt, now)),
    h('td', { class: 'reason' }, letter.reason),
    h('td', null, h('div', { class: 'actions' }, redrive, ack)),
  );
}

export function mountDeadLetters(root: HTMLElement): () => void {
  const errors = errorSlot();
  const workflow = h('input', { type: 'search', placeholder: 'workflow id', 'data-testid': 'deadletters-workflow-filter', 'aria-label': 'Workflow id' });
  const body = h('tbody');
  const empty = h('p', { class: 'muted', 'data-testid': 'deadletters-empty' }, 'No dead letters: every task that failed for good has been acknowledged or redriven.');
  const more = h('button', { type: 'button', 'data-testid': 'deadletters-more' }, 'Older dead letters');
  more.hidden = true;
  root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Dead letters')),
    errors,
    h(
      'div',
      { class: 'card' },
      h('div', { class: 'filters' }, h('label', null, 'Workflow ', workflow)),
      h(
        'table',
        { class: 'table', 'data-testid': 'deadletters-table' },
        h('thead', null, h('tr', null, h('th', null, 'Workflow'), h('th', null, 'Run'), h('th', null, 'Task'), h('th', null, 'Attempt'), h('th', null, 'Failed'), h('th', null, 'Reason'), h('th', null, ''))),
        body,
      ),
      empty,
      more,
    ),
  );

  let continuation: string | null = null;
  let shown: DeadLetter[] = [];

  const act = (work: Promise<unknown>): void => {
    work.then(
      () => poller.refresh(),
      (e: unknown) => showError(errors, e),
    );
  };
  const render = (items: readonly DeadLetter[]): void => {
    const now = new Date();
    replaceChildren(body, ...items.map((d) => deadLetterRow(d, now, (l) => act(acknowledgeDeadLetter(l.id)), (l) => act(redriveRun(l.runId, redriveTasks(l))))));
    empty.hidden = items.length > 0;
  };
  const query = (): { workflowId?: string; limit: number } => (workflow.value.trim() ? { workflowId: workflow.value.trim(), limit: PAGE } : { limit: PAGE });

  const tick = async (): Promise<boolean> => {
    try {
      const page = await listDeadLetters(query());
      shown = page.items;
      continuation = page.continuation ?? null;
      more.hidden = continuation === null;
      render(shown);
      replaceChildren(errors);
    } catch (e) {
      showError(errors, e);
    }
    return true;
  };
  const poller = startPolling(tick, 5000);
  workflow.addEventListener('input', () => poller.refresh());
  more.addEventListener('click', () => {
    if (continuation === null) return;
    listDeadLetters({ ...query(), continuation }).then(
      (page) => {
        shown = [...shown, ...page.items];
        continuation = page.continuation ?? null;
        more.hidden = continuation === null;
        render(shown);
      },
      (e: unknown) => showError(errors, e),
    );
  });
  return () => poller.stop();
}
