// @vitest-environment happy-dom
// The run page with a forEach task, against a stubbed API: the node's count, the grid row's expansion and paging, the
// instances read again with the run (only those shown) until the task is final, and an instance's attempts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail, RunTask, TaskInstance } from '../src/api';
import { keyStore } from '../src/api';
import { mountRun } from '../src/pages/run';

const WAIT = { timeout: 60_000, interval: 20 };

function runDetail(final: boolean): RunDetail {
  const base = { attempt: 1, maxAttempts: 3, stage: 0, dueAt: null, reason: null, statusCode: 200, output: null, outputTruncated: false, type: 'http', when: null };
  const tasks: RunTask[] = [
    { ...base, id: 'list', status: 'succeeded', dependsOn: [], startedAt: '2026-12-06T08:00:00Z', finishedAt: '2026-12-06T08:00:01Z', instances: null },
    {
      ...base,
      id: 'each',
      status: final ? 'succeeded' : 'running',
      dependsOn: ['list'],
      startedAt: '2026-12-06T08:00:01Z',
      finishedAt: final ? '2026-12-06T08:00:09Z' : null,
      instances: { total: 150, maxParallel: 3, counts: final ? { succeeded: 150 } : { succeeded: 100, running: 3, pending: 47 } },
    },
  ];
  return {
    runId: 'r1',
    workflowId: 'wf',
    version: 1,
    status: final ? 'succeeded' : 'running',
    trigger: 'manual',
    createdAt: '2026-12-06T08:00:00Z',
    scheduledAt: null,
    startedAt: '2026-12-06T08:00:00Z',
    finishedAt: final ? '2026-12-06T08:00:10Z' : null,
    durationMs: null,
    reason: null,
    retryOf: null,
    params: {},
    taskCounts: {},
    tasks,
    traceId: null,
  } as RunDetail;
}

function instance(i: number, final: boolean): TaskInstance {
  const status = final || i < 100 ? 'succeeded' : i < 103 ? 'running' : 'pending';
  return {
    id: `each[${i}]`,
    index: i,
    status,
    attempt: status === 'pending' ? 0 : 1,
    startedAt: status === 'pending' ? null : '2026-12-06T08:00:02Z',
    finishedAt: status === 'succeeded' ? '2026-12-06T08:00:03Z' : null,
    dueAt: null,
    reason: null,
    statusCode: status === 'succeeded' ? 200 : null,
  };
}

describe('the run page with a forEach task', () => {
  let final = false;
  let runReads = 0;
  const instanceReads: string[] = [];
  const attemptReads: string[] = [];
  let dispose: (() => void) | null = null;

  beforeEach(() => {
    final = false;
    runReads = 0;
    instanceReads.length = 0;
    attemptReads.length = 0;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    keyStore.set('k');
    const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    vi.stubGlobal('fetch', (input: RequestInfo | URL): Promise<Response> => {
      const url = new URL(String(input), 'http://loom.test');
      const path = url.pathname;
      if (path === '/api/runs/r1') {
        runReads++;
        return Promise.resolve(json(runDetail(final)));
      }
      if (path === '/api/runs/r1/events') return Promise.resolve(json({ items: [] }));
      // No stream here (as on the Function App): the page polls every second.
      if (path === '/api/runs/r1/stream') return Promise.resolve(json({ title: 'Not implemented' }, 501));
      if (path === '/api/runs/r1/tasks/each/instances') {
        const offset = Number(url.searchParams.get('offset'));
        const limit = Number(url.searchParams.get('limit'));
        instanceReads.push(`${offset}+${limit}${final ? ' final' : ''}`);
        const items = [...Array(Math.max(0, Math.min(150, offset + limit) - offset)).keys()].map((k) => instance(offset + k, final));
        return Promise.resolve(json({ runId: 'r1', taskId: 'each', total: 150, offset, items }));
      }
      if (path.endsWith('/attempts')) {
        const taskId = decodeURIComponent(path.split('/')[5] ?? '');
        attemptReads.push(taskId);
        return Promise.resolve(
          json({ items: [{ attempt: 1, startedAt: '2026-12-06T08:00:02Z', durationMs: 1000, outcome: 'succeeded', statusCode: 200, request: `POST http://backend/${taskId}`, error: null, output: null, outputTruncated: false }] }),
        );
      }
      return Promise.resolve(json({ title: 'Not found', detail: path }, 404));
    });
  });

  afterEach(() => {
    dispose?.();
    dispose = null;
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  it('counts the instances on the node, expands and pages them, refreshes only those shown until final, and inspects one', async () => {
    const root = document.createElement('div');
    document.body.appendChild(root);
    dispose = mountRun(root, 'r1');

    const node = (): Element | null => root.querySelector('[data-testid="run-dag"] [data-task-id="each"]');
    await vi.waitFor(() => expect(node()?.querySelector('.dag-node-detail')?.textContent).toBe('×150 · 100✓ 3⟳'), WAIT);
    expect(node()!.getAttribute('data-fan-out')).toBe('true');
    expect(instanceReads).toEqual([]);

    // Expand: the first 100, and a "more" control.
    (root.querySelector('[data-testid="expand-instances"][data-task-id="each"]') as HTMLElement).click();
    await vi.waitFor(() => expect(root.querySelectorAll('[data-testid="instance-row"]')).toHaveLength(100), WAIT);
    expect(instanceReads[0]).toBe('0+100');
    expect(root.querySelectorAll('[data-testid="gantt-bar"][data-task-id^="each["]').length).toBe(100);

    // Live: each poll reads the 100 shown again, never more.
    const reads = runReads;
    await vi.waitFor(() => expect(runReads).toBeGreaterThanOrEqual(reads + 2), WAIT);
    expect(instanceReads.length).toBeGreaterThanOrEqual(2);
    expect(new Set(instanceReads)).toEqual(new Set(['0+100']));

    // More: the next page alone, then polls read the 150 shown in one request.
    (root.querySelector('[data-testid="instances-more"]') as HTMLElement).click();
    await vi.waitFor(() => expect(root.querySelectorAll('[data-testid="instance-row"]')).toHaveLength(150), WAIT);
    expect(instanceReads).toContain('100+100');
    instanceReads.length = 0;
    await vi.waitFor(() => expect(instanceReads).toContain('0+200'), WAIT);
    expect(root.querySelector('[data-testid="instances-more"]')).toBeNull();

    // The run ends: one read shows the final statuses; the page stops polling and reads them no more.
    final = true;
    await vi.waitFor(() => expect(root.querySelector('[data-testid="instance-row"][data-instance-id="each[120]"]')?.getAttribute('data-status')).toBe('succeeded'), WAIT);
    await vi.waitFor(() => expect(node()?.querySelector('.dag-node-detail')?.textContent).toBe('×150 · 150✓'), WAIT);
    const settled = instanceReads.length;
    const settledRuns = runReads;
    await new Promise((r) => setTimeout(r, 2500));
    expect(runReads).toBe(settledRuns);
    expect(instanceReads.length).toBe(settled);

    // An instance opens its own attempts.
    (root.querySelector('[data-testid="instance-row"][data-instance-id="each[7]"]') as HTMLElement).click();
    await vi.waitFor(() => expect(root.querySelector('[data-testid="attempt-inspector"] [data-testid="attempt"]')).not.toBeNull(), WAIT);
    expect(root.querySelector('[data-testid="inspected-task"]')!.textContent).toBe('each[7]');
    expect(root.querySelector('[data-testid="inspected-status"]')!.getAttribute('data-status')).toBe('succeeded');
    expect(attemptReads).toContain('each[7]');
    expect(node()!.classList.contains('selected')).toBe(true);
  }, 120_000);
});
