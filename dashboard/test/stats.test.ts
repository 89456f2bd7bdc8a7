// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ApiClient, getWorkflowStats, type WorkflowStats } from '../src/api';
import { percent, renderStats } from '../src/stats';

const stats: WorkflowStats = {
  workflowId: 'wf',
  from: '2026-11-28T10:00:00Z',
  to: '2026-12-05T10:17:00Z',
  runs: 6,
  succeeded: 4,
  failed: 2,
  cancelled: 0,
  successRate: 4 / 6,
  durationP50Ms: 1200,
  durationP95Ms: 5100,
  retries: 1,
  retriedRuns: 1,
  retriesPerRun: 1 / 6,
  slowestTasks: [
    { taskId: 'load', runs: 6, failed: 2, retries: 1, p50Ms: 900, p95Ms: 4800 },
    { taskId: 'notify', runs: 4, failed: 0, retries: 0, p50Ms: 40, p95Ms: 60 },
  ],
  percentileError: 0.0905,
};

describe('statistics panel', () => {
  it('asks for the workflow stats with since and top', async () => {
    const urls: string[] = [];
    const fetcher = (input: RequestInfo | URL): Promise<Response> => {
      urls.push(String(input));
      return Promise.resolve(new Response(JSON.stringify(stats), { status: 200, headers: { 'content-type': 'application/json' } }));
    };
    const answer = await getWorkflowStats('a/b', { since: '2026-12-01T00:00:00Z', top: 3 }, new ApiClient('', fetcher as typeof fetch));
    expect(answer.runs).toBe(6);
    expect(urls[0]).toBe('/api/workflows/a%2Fb/stats?since=2026-12-01T00%3A00%3A00Z&top=3');
  });

  it('shows counts, success rate, percentiles, retries and the slowest tasks in order', () => {
    const panel = renderStats(stats);
    const text = (id: string) => panel.querySelector(`[data-testid="${id}"]`)?.textContent;
    expect(text('stats-runs')).toBe('6 (4 ok · 2 failed · 0 cancelled)');
    expect(text('stats-success')).toBe('66.7 %');
    expect(text('stats-duration')).toBe('1.2 s / 5.1 s');
    expect(text('stats-retries')).toBe('0.17 (1 run retried)');
    const rows = [...panel.querySelectorAll('[data-testid="stats-tasks"] tbody tr')].map((r) => r.querySelector('td')!.textContent);
    expect(rows).toEqual(['load', 'notify']);
    expect(text('stats-task-load')).toContain('4.8 s');
  });

  it('says so when no run ended in the range', () => {
    const panel = renderStats({ ...stats, runs: 0, succeeded: 0, failed: 0, successRate: null, slowestTasks: [] });
    expect(panel.dataset.testid).toBe('stats-empty');
    expect(percent(null)).toBe('–');
  });
});
