// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, keyStore, listInstances, registerWorkflow, validateWorkflow } from '../src/api';

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function client(status: number, body: unknown, calls: Call[] = []): ApiClient {
  const fetcher = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init });
    return Promise.resolve(new Response(body === undefined ? '' : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  return new ApiClient('', fetcher as typeof fetch);
}

describe('ApiClient', () => {
  beforeEach(() => sessionStorage.clear());

  it('sends the stored key as x-functions-key and encodes ids in paths', async () => {
    keyStore.set('k-123');
    const calls: Call[] = [];
    await client(200, { items: [] }, calls).attempts('run/1', 'task a');
    expect(calls[0]!.url).toBe('/api/runs/run%2F1/tasks/task%20a/attempts');
    expect((calls[0]!.init!.headers as Record<string, string>)['x-functions-key']).toBe('k-123');
  });

  it("pages a forEach task's instances and reads an instance's attempts under its encoded id", async () => {
    const calls: Call[] = [];
    const c = client(200, { runId: 'r', taskId: 'each', total: 0, offset: 100, items: [] }, calls);
    await listInstances('run/1', 'each', 100, 100, c);
    await c.attempts('run/1', 'each[3]');
    expect(calls.map((x) => x.url)).toEqual(['/api/runs/run%2F1/tasks/each/instances?offset=100&limit=100', '/api/runs/run%2F1/tasks/each%5B3%5D/attempts']);
  });

  it('posts trigger parameters as JSON', async () => {
    keyStore.set('k');
    const calls: Call[] = [];
    const accepted = await client(202, { runId: 'r1' }, calls).trigger('daily-report', { date: '2026-11-01' });
    expect(accepted.runId).toBe('r1');
    expect(calls[0]!.init!.method).toBe('POST');
    expect(calls[0]!.url).toBe('/api/workflows/daily-report/runs');
    expect(JSON.parse(String(calls[0]!.init!.body))).toEqual({ params: { date: '2026-11-01' } });
  });

  it('builds the runs query', async () => {
    const calls: Call[] = [];
    await client(200, { items: [] }, calls).listRuns({ workflowId: 'a b', limit: 20 });
    expect(calls[0]!.url).toBe('/api/runs?workflowId=a+b&limit=20');
  });

  it('turns problem details into an ApiError with title and detail', async () => {
    const error = await client(409, { title: 'Run already finished', status: 409, detail: "Run 'x' is succeeded." })
      .cancel('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toBe("Run already finished: Run 'x' is succeeded.");
  });

  it('includes validation errors in the message', async () => {
    const error = (await client(400, { title: 'Bad params', detail: 'Invalid.', errors: [{ message: 'date is required' }] })
      .trigger('w', {})
      .catch((e: unknown) => e)) as ApiError;
    expect(error.detail).toBe('Invalid. date is required');
  });

  it('on 401 forgets the key and hands over to the key prompt', async () => {
    keyStore.set('stale');
    const api = client(401, { title: 'Unauthorized', detail: 'Send a valid API key.' });
    const messages: string[] = [];
    api.setUnauthorizedHandler((m) => messages.push(m));
    const error = await api.listWorkflows().catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(401);
    expect(keyStore.get()).toBeNull();
    expect(messages).toEqual(['The API key was rejected (401): Send a valid API key.']);
  });

  it('checks a key without storing it', async () => {
    expect(await client(200, { items: [] }).checkKey('good')).toEqual({ ok: true, message: '' });
    expect((await client(401, { title: 'Unauthorized' }).checkKey('bad')).message).toContain('not accepted');
    expect(keyStore.get()).toBeNull();
  });

  it('reports an unreachable server as a network error', async () => {
    const api = new ApiClient('', (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch);
    const error = (await api.getRun('r').catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.message).toContain('could not be reached');
  });
});

describe('authoring calls', () => {
  beforeEach(() => sessionStorage.clear());

  it('sends the YAML as written, labelled application/yaml, with the key', async () => {
    keyStore.set('k-9');
    const calls: Call[] = [];
    const yaml = 'id: a\ntasks:\n  - id: x\n    url: http://b/x\n';
    const result = await validateWorkflow(yaml, undefined, client(200, { valid: true, id: 'a', errorCount: 0, errors: [], warnings: ['w'] }, calls));
    expect(result.warnings).toEqual(['w']);
    expect(calls[0]!.url).toBe('/api/workflows/validate');
    expect(calls[0]!.init!.body).toBe(yaml);
    const headers = calls[0]!.init!.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/yaml');
    expect(headers['x-functions-key']).toBe('k-9');
    const registered = await registerWorkflow(yaml, client(201, { id: 'a', version: 2, created: true, warnings: [] }, calls));
    expect(registered.version).toBe(2);
    expect(calls[1]!.url).toBe('/api/workflows');
  });

  it('turns a refused registration into an ApiError with the errors, and a 401 into the key prompt', async () => {
    keyStore.set('k');
    const bad = client(400, { title: 'Invalid workflow', detail: '1 error', errors: [{ line: 3, column: 5, message: 'unknown dependency' }] });
    await expect(registerWorkflow('id: a', bad)).rejects.toMatchObject({ status: 400, detail: '1 error unknown dependency' });
    const refused = client(401, { title: 'Unauthorized', detail: 'no such key' });
    let prompted = '';
    refused.setUnauthorizedHandler((m) => (prompted = m));
    await expect(validateWorkflow('id: a', undefined, refused)).rejects.toBeInstanceOf(ApiError);
    expect(prompted).toContain('no such key');
    expect(keyStore.get()).toBeNull();
  });
});
