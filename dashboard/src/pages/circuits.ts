// Circuit breakers per target origin: state, failures in the window, when it opened and when held calls are tried again.

import { listCircuits, type Circuit } from '../api';
import { h, replaceChildren } from '../dom';
import { startPolling } from '../poll';
import { statusColour } from '../status';
import { errorSlot, showError, timeCell } from '../ui';

/** The words for a circuit's state. */
export function circuitStateLabel(state: Circuit['state']): string {
  switch (state) {
    case 'closed':
      return 'closed';
    case 'open':
      return 'open: calls held';
    case 'half_open':
      return 'half-open: probing';
  }
}

/** A circuit's colour, borrowed from the statuses it resembles: closed as succeeded, open as failed, half-open as retrying. */
export function circuitColour(state: Circuit['state']): string {
  return statusColour(state === 'closed' ? 'succeeded' : state === 'open' ? 'failed' : 'retrying');
}

/** One table row of a circuit. */
export function circuitRow(circuit: Circuit, now: Date): HTMLElement {
  return h(
    'tr',
    { 'data-testid': 'circuit-row', 'data-origin': circuit.origin, 'data-state': circuit.state },
    h('td', { class: 'mono' }, circuit.origin),
    h('td', null, h('span', { class: 'badge', 'data-testid': 'circuit-state', style: `background:${circuitColour(circuit.state)};color:#fff` }, circuitStateLabel(circuit.state))),
    h('td', null, String(circuit.failuresInWindow)),
    h('td', null, timeCell(circuit.openedAt, now)),
    h('td', null, timeCell(circuit.retryAt, now)),
  );
}

export function mountCircuits(root: HTMLElement): () => void {
  const errors = errorSlot();
  const body = h('tbody');
  const empty = h('p', { class: 'muted', 'data-testid': 'circuits-empty' }, 'No circuits yet: a task with circuitBreaker has not called its target.');
  root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Circuit breakers')),
    errors,
    h(
      'div',
      { class: 'card' },
      h(
        'table',
        { class: 'table', 'data-testid': 'circuits-table' },
        h('thead', null, h('tr', null, h('th', null, 'Origin'), h('th', null, 'State'), h('th', null, 'Failures in window'), h('th', null, 'Opened'), h('th', null, 'Retry at'))),
        body,
      ),
      empty,
    ),
  );

  const tick = async (): Promise<boolean> => {
    try {
      const list = await listCircuits();
      const now = new Date();
      replaceChildren(body, ...list.items.map((c) => circuitRow(c, now)));
      empty.hidden = list.items.length > 0;
      replaceChildren(errors);
    } catch (e) {
      showError(errors, e);
    }
    return true;
  };
  const poller = startPolling(tick, 5000);
  return () => poller.stop();
}
