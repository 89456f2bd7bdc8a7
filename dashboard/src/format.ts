// Pure formatting of durations and instants.

/** A duration for people: "350 ms", "12.3 s", "4m 05s", "2h 03m", "3d 4h". Negative or NaN gives "–". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) {
    const rounded = Math.floor(seconds * 10) / 10;
    return `${rounded.toFixed(1)} s`;
  }
  const totalSeconds = Math.floor(seconds);
  const s = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes}m ${pad2(s)}s`;
  const m = totalMinutes % 60;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return `${totalHours}h ${pad2(m)}m`;
  return `${Math.floor(totalHours / 24)}d ${totalHours % 24}h`;
}

/** "in 5 min", "3 h ago", "just now", relative to now. */
export function formatRelative(at: Date | string | null | undefined, now: Date): string {
  const date = toDate(at);
  if (date === null) return '–';
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 5000) return 'just now';
  let text: string;
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** "2026-11-22 08:04:00 UTC", or the same in an IANA time zone ("… Europe/Paris") when one is given and known. */
export function formatAbsolute(at: Date | string | null | undefined, timeZone?: string): string {
  const date = toDate(at);
  if (date === null) return '–';
  const zone = timeZone && timeZone !== 'UTC' && timeZone !== 'Etc/UTC' ? timeZone : 'UTC';
  try {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(date);
    const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${zone}`;
  } catch {
    // An unknown zone name: fall back to UTC rather than show nothing.
    return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }
}

/** A time of day "08:04:05" in UTC, for event logs. */
export function formatClock(at: Date | string | null | undefined): string {
  const date = toDate(at);
  return date === null ? '–' : date.toISOString().slice(11, 19);
}

/** Parses an ISO instant; null for missing or invalid input. */
export function toDate(at: Date | string | null | undefined): Date | null {
  if (at === null || at === undefined || at === '') return null;
  const date = at instanceof Date ? at : new Date(at);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Milliseconds between two instants, or null when either is missing. */
export function millisBetween(from: Date | string | null | undefined, to: Date | string | null | undefined): number | null {
  const a = toDate(from);
  const b = toDate(to);
  return a === null || b === null ? null : b.getTime() - a.getTime();
}

/** Pretty JSON for display; text that is not JSON is returned as it is. */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value) as unknown, null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * An event's data for the event log: its message first, then the other fields as `name value`, leaving out nulls,
 * empties and fields the message already says. The server's event data is an object whose field names may be in
 * either case ("Message" or "message").
 */
export function formatEventData(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object' || Array.isArray(data)) return typeof data === 'string' ? data : JSON.stringify(data);
  const entries = Object.entries(data as Record<string, unknown>).filter(([, value]) => value !== null && value !== undefined && value !== '');
  const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  const messageEntry = entries.find(([name]) => name.toLowerCase() === 'message');
  const message = messageEntry ? text(messageEntry[1]) : '';
  const rest = entries
    .filter((entry) => entry !== messageEntry)
    .map(([name, value]) => `${name.charAt(0).toLowerCase()}${name.slice(1)} ${text(value)}`)
    .filter((part) => !message.toLowerCase().includes(part.toLowerCase()));
  return [message, ...rest].filter((part) => part !== '').join(' · ');
}

/** An attempt's outcome for people: "failed, retried in 300 ms" when another attempt followed it, so it never reads as final. */
export function attemptOutcome(a: { outcome: string; retryDelayMs?: number | null }): string {
  return a.retryDelayMs !== null && a.retryDelayMs !== undefined ? `${a.outcome}, retried in ${formatDuration(a.retryDelayMs)}` : a.outcome;
}
