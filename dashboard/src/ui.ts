// Shared bits of page UI.

import { ApiError } from './api';
import { h } from './dom';
import { formatAbsolute, formatRelative } from './format';
import { isLightStatus, statusColour, statusLabel, toStatus } from './status';

/** A coloured status pill; `testid` names it for tests. */
export function statusBadge(status: string | null | undefined, testid?: string): HTMLElement {
  const st = toStatus(status);
  return h(
    'span',
    {
      class: 'badge',
      'data-testid': testid,
      'data-status': st,
      style: `background:${statusColour(st)};color:${isLightStatus(st) ? '#202124' : '#fff'}`,
      title: statusLabel(st),
    },
    st === 'unknown' && status ? status : st,
  );
}

/** "in 5 min" with the absolute time as a second line (and as a tooltip in UTC). */
export function timeCell(at: string | null | undefined, now: Date, timeZone?: string): HTMLElement {
  if (!at) return h('span', { class: 'muted' }, '–');
  return h(
    'span',
    { class: 'time', title: formatAbsolute(at) },
    h('span', { class: 'time-rel' }, formatRelative(at, now)),
    h('span', { class: 'time-abs' }, formatAbsolute(at, timeZone)),
  );
}

/** The message of an error for people. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Not allowed: ${error.detail || error.title}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** An error line; empty when `error` is null. */
export function showError(slot: HTMLElement, error: unknown): void {
  slot.textContent = error === null ? '' : errorMessage(error);
  slot.hidden = error === null;
}

/** An element that shows errors, hidden while empty. */
export function errorSlot(testid = 'error'): HTMLElement {
  const slot = h('div', { class: 'error', role: 'alert', 'data-testid': testid });
  slot.hidden = true;
  return slot;
}

/** A titled section. */
export function section(title: string, ...children: Array<Node | null>): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}
