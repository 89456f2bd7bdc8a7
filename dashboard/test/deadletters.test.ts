// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, keyStore, listDeadLetters, acknowledgeDeadLetter, redriveRun, type DeadLetter } from '../src/api';
import { deadLetterRow, redriveTasks } from '../src/pages/deadletters';
import { parseRoute, href } from '../src/router';

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function client(status: number, body: unknown, calls: Call[]): ApiClient {
  const fetcher = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init });
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  return new ApiClient('', fetcher as typeof fetch);
}

const letter: DeadLetter = {
  id: '0001.wf-r1.load.3',
  kind: 'task',
  workflowId: 'wf',
  runId: 'wf-r1',
  taskId: 'load',
  attempt: 3,
  reason: 'HTTP 500: boom',
  failedAt: '2026-12-05T03:00:00Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
};

describe('dead letters', () => {
  beforeEach(() => sessionStorage.clear());

  it('lists with the workflow filter and continuation, and acknowledges with DELETE', async () => {
    keyStore.set('k');
    const calls: Call[] = [];
    const api = client(200, { items: [letter], continuation: null }, calls);
    const page = await listDeadLetters({ workflowId: 'wf', limit: 50, continuation: 'c1' }, api);
    await acknowledgeDeadLetter('0001.wf-r1.load.3', api);
    expect(page.items[0]!.taskId).toBe('load');
    expect(calls[0]!.url).toBe('/api/deadletters?workflowId=wf&limit=50&continuation=c1');
    expect(calls[1]!.url).toBe('/api/deadletters/0001.wf-r1.load.3');
    expect(calls[1]!.init!.method).toBe('DELETE');
  });

  it('redrives a run with the named tasks, or with an empty body for every task that did not succeed', async () => {
    const calls: Call[] = [];
    const api = client(202, { runId: 'wf-r1', tasks: ['load'], requestedBy: 'ops', acknowledgedDeadLetters: 1 }, calls);
    await redriveRun('wf/r1', ['load'], api);
    await redriveRun('wf/r1', [], api);
    expect(calls[0]!.url).toBe('/api/runs/wf%2Fr1/redrive');
    expect(JSON.parse(String(calls[0]!.init!.body))).toEqual({ tasks: ['load'] });
    expect(JSON.parse(String(calls[1]!.init!.body))).toEqual({});
  });

  it('redrives from a task letter by its task, from a run letter by every task', () => {
    expect(redriveTasks(letter)).toEqual(['load']);
    expect(redriveTasks({ ...letter, kind: 'run', taskId: null, attempt: null })).toEqual([]);
  });

  it('renders a row whose buttons act on that letter', () => {
    const acked: string[] = [];
    const redriven: string[] = [];
    const row = deadLetterRow(letter, new Date('2026-12-05T04:00:00Z'), (l) => acked.push(l.id), (l) => redriven.push(l.runId));
    expect(row.textContent).toContain('HTTP 500: boom');
    expect(row.querySelector('a[href="#/runs/wf-r1"]')).not.toBeNull();
    (row.querySelector('[data-testid="deadletter-ack"]') as HTMLButtonElement).click();
    (row.querySelector('[data-testid="deadletter-redrive"]') as HTMLButtonElement).click();
    expect(acked).toEqual([letter.id]);
    expect(redriven).toEqual(['wf-r1']);
  });

  it('routes #/deadletters', () => {
    expect(parseRoute('#/deadletters')).toEqual({ page: 'deadletters' });
    expect(href({ page: 'deadletters' })).toBe('#/deadletters');
  });
});
