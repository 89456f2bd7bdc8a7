import { describe, expect, it } from 'vitest';
import { attemptOutcome, formatAbsolute, formatClock, formatDuration, formatEventData, formatRelative, millisBetween, prettyJson } from '../src/format';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [349.6, '350 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [12_345, '12.3 s'],
    [59_999, '59.9 s'],
    [60_000, '1m 00s'],
    [245_000, '4m 05s'],
    [3_600_000, '1h 00m'],
    [7_380_000, '2h 03m'],
    [86_400_000 * 3 + 3_600_000 * 4, '3d 4h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('shows a dash for missing, negative or infinite durations', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDuration(-5)).toBe('–');
    expect(formatDuration(Number.NaN)).toBe('–');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-11-22T08:00:00Z');
  it.each([
    ['2026-11-22T08:00:02Z', 'just now'],
    ['2026-11-22T08:00:30Z', 'in 30 s'],
    ['2026-11-22T08:05:00Z', 'in 5 min'],
    ['2026-11-22T07:00:00Z', '1 h ago'],
    ['2026-11-23T03:00:00+00:00', 'in 19 h'],
    ['2026-11-20T08:00:00Z', '2 d ago'],
  ])('formats %s as %s', (at, text) => {
    expect(formatRelative(at, now)).toBe(text);
  });

  it('shows a dash for missing or invalid instants', () => {
    expect(formatRelative(null, now)).toBe('–');
    expect(formatRelative('not a date', now)).toBe('–');
  });
});

describe('formatAbsolute', () => {
  it('formats in UTC by default', () => {
    expect(formatAbsolute('2026-11-22T08:04:05.123+00:00')).toBe('2026-11-22 08:04:05 UTC');
  });

  it('formats in the workflow time zone', () => {
    expect(formatAbsolute('2026-07-01T01:00:00Z', 'Europe/Paris')).toBe('2026-07-01 03:00:00 Europe/Paris');
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(formatAbsolute('2026-11-22T08:04:05Z', 'Mars/Olympus')).toBe('2026-11-22 08:04:05 UTC');
  });
});

describe('helpers', () => {
  it('formats clock times and differences', () => {
    expect(formatClock('2026-11-22T08:04:05Z')).toBe('08:04:05');
    expect(millisBetween('2026-11-22T08:00:00Z', '2026-11-22T08:00:01.5Z')).toBe(1500);
    expect(millisBetween(null, '2026-11-22T08:00:00Z')).toBeNull();
  });

  it('pretty-prints JSON text and leaves other text alone', () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson('<b>not json</b>')).toBe('<b>not json</b>');
    expect(prettyJson({ b: [1] })).toBe('{\n  "b": [\n    1\n  ]\n}');
    expect(prettyJson(null)).toBe('');
  });
});

describe('formatEventData', () => {
  it('puts the message first, drops nulls and lower-cases the first letter of other names', () => {
    expect(formatEventData({ Attempt: 2, Message: 'HTTP 503', Reason: null })).toBe('HTTP 503 · attempt 2');
  });

  it('leaves out a field the message already says', () => {
    expect(formatEventData({ Attempt: 1, Message: 'attempt 1 of 3' })).toBe('attempt 1 of 3');
    expect(formatEventData({ Attempt: 1, Message: null })).toBe('attempt 1');
  });

  it('gives nothing for an object of nulls (what the server sends for RunStarted)', () => {
    expect(formatEventData({ Attempt: null, Message: null })).toBe('');
  });

  it('keeps fields without a message and writes non-strings as JSON', () => {
    expect(formatEventData({ statusCode: 503, retry: { due: 'soon' } })).toBe('statusCode 503 · retry {"due":"soon"}');
  });

  it('passes strings through and writes other values as JSON', () => {
    expect(formatEventData('plain')).toBe('plain');
    expect(formatEventData([1, 2])).toBe('[1,2]');
    expect(formatEventData(null)).toBe('');
    expect(formatEventData(undefined)).toBe('');
  });
});

describe('attemptOutcome', () => {
  it('says a failed attempt was retried, and after how long', () => {
    expect(attemptOutcome({ outcome: 'failed', retryDelayMs: 300 })).toBe('failed, retried in 300 ms');
    expect(attemptOutcome({ outcome: 'timeout', retryDelayMs: 2500 })).toBe('timeout, retried in 2.5 s');
    expect(attemptOutcome({ outcome: 'failed', retryDelayMs: null })).toBe('failed');
    expect(attemptOutcome({ outcome: 'succeeded' })).toBe('succeeded');
  });
});
