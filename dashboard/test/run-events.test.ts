// @vitest-environment happy-dom
// The run page's event log against a stubbed API without a stream (as on the Function App): each poll asks only for the
// events after the last one it has, follows `next` while more are stored, and so reads every event once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail, RunEvent } from '../src/api';
import { keyStore } from '../src/api';
import { mountRun } from '../src/pages/run';

const WAIT = { timeout: 60_000, interval: 20 };
const PAGE = 2;

function runDetail(final: boolean): RunDetail {
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
    tasks: [
      {
        id: 'only',
        status: final ? 'succeeded' : 'running',
        attempt: 1,
        maxAttempts: 3,
        dependsOn: [],
        stage: 0,
        startedAt: '2026-12-06T08:00:01Z',
        finishedAt: final ? '2026-12-06T08:00:09Z' : null,
        dueAt: null,
        reason: null,
        statusCode: null,
        output: null,
        outputTruncated: false,
        type: 'http',
        when: null,
        instances: null,
      },
    ],
    traceId: null,
  } as RunDetail;
}

function event(sequence: number, type = 'TaskRetrying'): RunEvent {
  return { sequence, timestamp: '2026-12-06T08:00:02Z', type, taskId: 'only', data: { n: sequence } };
}

describe('the run page event log', () => {
  let final = false;
  const log: RunEvent[] = [];
  const asked: number[] = [];
  let served = 0;
  let dispose: (() => void) | null = null;

  beforeEach(() => {
    final = false;
    log.length = 0;
    asked.length = 0;
    served = 0;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    keyStore.set('k');
    const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    vi.stubGlobal('fetch', (input: RequestInfo | URL): Promise<Response> => {
      const url = new URL(String(input), 'http://loom.test');
      const path = url.pathname;
      if (path === '/api/runs/r1') return Promise.resolve(json(runDetail(final)));
      if (path === '/api/runs/r1/events') {
        // As the API pages: after a sequence, at most PAGE events, next while more are stored.
        const after = Number(url.searchParams.get('after') ?? '-1');
        asked.push(after);
        const rest = log.filter((e) => e.sequence > after);
        const items = rest.slice(0, PAGE);
        served += items.length;
        return Promise.resolve(json({ runId: 'r1', items, next: rest.length > PAGE ? items[items.length - 1]!.sequence : null }));
      }
      if (path === '/api/runs/r1/stream') return Promise.resolve(json({ title: 'Not implemented' }, 501));
      if (path.endsWith('/attempts')) return Promise.resolve(json({ items: [] }));
      return Promise.resolve(json({ title: 'Not found', detail: path }, 404));
    });
  });

  afterEach(() => {
    dispose?.();
    dispose = null;
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  it('reads only the events after the last one shown, following next, each event once', async () => {
    log.push(event(0, 'RunStarted'), event(3), event(4));
    const root = document.createElement('div');
    document.body.appendChild(root);
    dispose = mountRun(root, 'r1');
    const rows = (): number[] => [...root.querySelectorAll('[data-testid="event-row"]')].map((r) => Number(r.getAttribute('data-sequence')));

    await vi.waitFor(() => expect(rows()).toEqual([0, 3, 4]), WAIT);
    expect(asked.slice(0, 2)).toEqual([-1, 3]);

    // Five more while the run goes on: read in pages of two after 4, never from the start again.
    log.push(event(7), event(8), event(9), event(12), event(13));
    await vi.waitFor(() => expect(rows()).toEqual([0, 3, 4, 7, 8, 9, 12, 13]), WAIT);
    final = true;
    log.push(event(14, 'RunSucceeded'));
    await vi.waitFor(() => expect(rows()).toEqual([0, 3, 4, 7, 8, 9, 12, 13, 14]), WAIT);

    expect(served).toBe(log.length);
    expect(asked.filter((a) => a === -1)).toHaveLength(1);
  }, 120_000);
});
