// Status names and their colours; the one place that knows which statuses are final.

/** Every task status Loom reports. Run statuses are a subset. */
export const TASK_STATUSES = [
  'pending',
  'running',
  'waiting',
  'retrying',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;

export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A status as shown: a known one, or 'unknown' for anything the API adds later. */
export type Status = TaskStatus | 'unknown';

const COLOURS: Record<Status, string> = {
  pending: '#9aa0a6',
  running: '#1a73e8',
  waiting: '#8e44ad',
  retrying: '#f5870a',
  succeeded: '#1e9e4a',
  failed: '#d93025',
  skipped: '#d0d4d8',
  cancelled: '#5f6368',
  unknown: '#bdc1c6',
};

const LABELS: Record<Status, string> = {
  pending: 'pending',
  running: 'running',
  waiting: 'waiting for callback',
  retrying: 'retrying',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
  unknown: 'unknown',
};

/** Maps an API status string (any case, possibly missing) to a known status. */
export function toStatus(value: string | null | undefined): Status {
  if (value === null || value === undefined) return 'unknown';
  const lower = value.trim().toLowerCase();
  return (TASK_STATUSES as readonly string[]).includes(lower) ? (lower as TaskStatus) : 'unknown';
}

/** The fill colour of a status. */
export function statusColour(status: Status): string {
  return COLOURS[status];
}

/** Words for a status, for titles and legends. */
export function statusLabel(status: Status): string {
  return LABELS[status];
}

/** True for statuses that never change again (of a run or a task). */
export function isFinal(status: Status): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped';
}

/** True when text on this status's colour should be dark rather than white. */
export function isLightStatus(status: Status): boolean {
  return status === 'skipped' || status === 'unknown' || status === 'pending';
}
