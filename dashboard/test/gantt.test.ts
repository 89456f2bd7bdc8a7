import { describe, expect, it } from 'vitest';
import type { Attempt } from '../src/api';
import { computeGantt, niceTicks } from '../src/gantt';

const attempt = (n: number, startedAt: string, durationMs: number, outcome: string): Attempt => ({
  attempt: n,
  startedAt,
  durationMs,
  outcome,
  statusCode: outcome === 'succeeded' ? 200 : 503,
  request: 'POST http://backend/x',
  error: null,
  output: null,
  outputTruncated: false,
});

describe('computeGantt', () => {
  const now = new Date('2026-11-22T08:00:10Z');
  const tasks = [
    { id: 'a', status: 'succeeded', startedAt: '2026-11-22T08:00:00Z', finishedAt: '2026-11-22T08:00:02Z' },
    { id: 'b', status: 'running', startedAt: '2026-11-22T08:00:02Z', finishedAt: null },
    { id: 'c', status: 'pending', startedAt: null, finishedAt: null },
  ];

  it('offsets bars from the earliest start and runs unfinished tasks to now', () => {
    const g = computeGantt(tasks, new Map(), now);
    expect(g.start).toBe(Date.parse('2026-11-22T08:00:00Z'));
    expect(g.span).toBe(10_000);
    expect(g.rows.map((r) => r.bar)).toEqual([{ offset: 0, length: 2000 }, { offset: 2000, length: 8000 }, null]);
    expect(g.rows.map((r) => r.status)).toEqual(['succeeded', 'running', 'pending']);
  });

  it('adds attempt segments when attempts are loaded', () => {
    const attempts = new Map([['a', [attempt(1, '2026-11-22T08:00:00Z', 500, 'retryable'), attempt(2, '2026-11-22T08:00:01.5Z', 500, 'succeeded')]]]);
    const g = computeGantt(tasks, attempts, now);
    expect(g.rows[0]!.attempts.map((a) => [a.attempt, a.offset, a.length])).toEqual([
      [1, 0, 500],
      [2, 1500, 500],
    ]);
  });

  it('is empty before anything started', () => {
    const g = computeGantt([tasks[2]!], new Map(), now);
    expect(g.start).toBeNull();
    expect(g.rows).toHaveLength(1);
  });
});

describe('niceTicks', () => {
  it('uses round steps covering the span', () => {
    expect(niceTicks(10_000)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(0)).toEqual([0]);
  });
});
