import { describe, expect, it } from 'vitest';
import { buildGrid, type GridRun } from '../src/grid';

const runs: GridRun[] = [
  {
    runId: 'r3',
    status: 'running',
    createdAt: '2026-11-22T10:00:00+00:00',
    tasks: [
      { id: 'fetch', status: 'succeeded' },
      { id: 'process', status: 'running' },
    ],
  },
  {
    runId: 'r1',
    status: 'failed',
    createdAt: '2026-11-20T10:00:00+00:00',
    finishedAt: '2026-11-20T10:01:30+00:00',
    tasks: [
      { id: 'fetch', status: 'failed' },
      { id: 'old_task', status: 'skipped' },
    ],
  },
  { runId: 'r2', status: 'pending', createdAt: '2026-11-21T10:00:00+00:00' },
];

describe('buildGrid', () => {
  it('puts runs oldest first as columns', () => {
    const grid = buildGrid(['fetch', 'process'], runs);
    expect(grid.columns.map((c) => c.runId)).toEqual(['r1', 'r2', 'r3']);
    expect(grid.columns.map((c) => c.status)).toEqual(['failed', 'pending', 'running']);
    expect(grid.columns[0]!.durationMs).toBe(90_000);
    expect(grid.columns[2]!.durationMs).toBeNull();
  });

  it('has one row per task in definition order, then tasks only older runs had', () => {
    const grid = buildGrid(['fetch', 'process'], runs);
    expect(grid.rows.map((r) => r.taskId)).toEqual(['fetch', 'process', 'old_task']);
  });

  it('colours cells by task status and leaves gaps where a run lacks the task or is not loaded', () => {
    const grid = buildGrid(['fetch', 'process'], runs);
    const cells = (taskId: string): Array<string | null> => grid.rows.find((r) => r.taskId === taskId)!.cells.map((c) => c.status);
    expect(cells('fetch')).toEqual(['failed', null, 'succeeded']);
    expect(cells('process')).toEqual([null, null, 'running']);
    expect(cells('old_task')).toEqual(['skipped', null, null]);
    for (const row of grid.rows) expect(row.cells.map((c) => c.runId)).toEqual(['r1', 'r2', 'r3']);
  });

  it('maps unknown statuses to unknown', () => {
    const grid = buildGrid(['t'], [{ runId: 'x', status: 'exploded', createdAt: '2026-01-01T00:00:00Z', tasks: [{ id: 't', status: 'MYSTERY' }] }]);
    expect(grid.columns[0]!.status).toBe('unknown');
    expect(grid.rows[0]!.cells[0]!.status).toBe('unknown');
  });

  it('is empty without runs', () => {
    const grid = buildGrid(['a', 'b'], []);
    expect(grid.columns).toEqual([]);
    expect(grid.rows.map((r) => r.cells.length)).toEqual([0, 0]);
  });
});
