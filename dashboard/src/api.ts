// The HTTP API client of the dashboard.

import type { components, operations } from './api.generated';

// Every request and answer is typed by api.generated.ts: what openapi-typescript makes of the OpenAPI document the server
// serves (scripts/test.sh regenerates it and fails when it is stale). The names below are the dashboard's own, kept stable.

type Schemas = components['schemas'];

/** The JSON answer of an operation for a status. */
type Answer<Op extends keyof operations, Status extends keyof operations[Op]['responses']> =
  operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body an operation takes. */
type RequestBody<Op extends keyof operations> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer Body } } ? Body : never;

export type ScheduleView = Schemas['ScheduleView'];
export type RunSummary = Schemas['RunSummary'];
export type WorkflowSummary = Schemas['WorkflowSummary'];
export type DefinitionTask = Schemas['DefinitionTask'];
export type DefinitionView = Schemas['DefinitionView'];
export type WorkflowDetail = Schemas['WorkflowDetail'];
export type BackfillRequest = RequestBody<'startBackfill'>;
export type BackfillResult = Schemas['BackfillStarted'];
export type BackfillCancelled = Schemas['BackfillCancelled'];
export type VersionItem = Schemas['WorkflowVersionSummary'];
export type VersionSource = Schemas['WorkflowVersionSource'];
export type RunTask = Schemas['TaskStateView'];
export type RunDetail = Schemas['RunDetail'];
export type Attempt = Schemas['AttemptView'];
export type RunEvent = Schemas['RunEventView'];
export type RunEventPage = Schemas['RunEventList'];
export type Accepted = Schemas['RunAccepted'];
export type WorkflowPaused = Schemas['WorkflowPaused'];
export type RunCancelling = Schemas['RunCancelling'];

/** A page of a listing; the workflow, version, run, event and attempt lists all fit it. */
export interface Page<T> {
  items: T[];
  continuation?: string | null;
}

/** An API answer that was not 2xx, with the problem details' title and detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
  }
}

/** Where the API key lives: session storage, so it is asked once per tab and gone when the tab closes. */
export const keyStore = {
  name: 'loom.apiKey',
  get(): string | null {
    try {
      return sessionStorage.getItem(this.name);
    } catch {
      return null;
    }
  },
  set(key: string): void {
    sessionStorage.setItem(this.name, key);
  },
  clear(): void {
    sessionStorage.removeItem(this.name);
  },
};

type UnauthorizedHandler = (message: string) => void;

/** Calls the API with the stored key; a 401 clears the key and hands over to the login page. */
export class ApiClient {
  private onUnauthorized: UnauthorizedHandler = () => undefined;

  constructor(
    private readonly base = '',
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /** Sets what happens on a 401 (the router shows the key prompt). */
  setUnauthorizedHandler(handler: UnauthorizedHandler): void {
    this.onUnauthorized = handler;
  }

  listWorkflows(): Promise<Page<WorkflowSummary>> {
    return this.request<Answer<'listWorkflows', 200>>('GET', '/api/workflows');
  }

  getWorkflow(id: string): Promise<WorkflowDetail> {
    return this.request<Answer<'getWorkflow', 200>>('GET', `/api/workflows/${enc(id)}`);
  }

  listVersions(id: string): Promise<Page<VersionItem>> {
    return this.request<Answer<'listWorkflowVersions', 200>>('GET', `/api/workflows/${enc(id)}/versions`);
  }

  getVersion(id: string, version: number): Promise<VersionSource> {
    return this.request<Answer<'getWorkflowVersion', 200>>('GET', `/api/workflows/${enc(id)}/versions/${version}`);
  }

  setPaused(id: string, paused: boolean): Promise<WorkflowPaused> {
    return this.request<Answer<'pauseWorkflow' | 'resumeWorkflow', 200>>('POST', `/api/workflows/${enc(id)}/${paused ? 'pause' : 'resume'}`, {});
  }

  trigger(id: string, params: Record<string, unknown>): Promise<Accepted> {
    const body: RequestBody<'triggerRun'> = { params };
    return this.request<Answer<'triggerRun', 202>>('POST', `/api/workflows/${enc(id)}/runs`, body);
  }

  backfill(id: string, body: BackfillRequest): Promise<BackfillResult> {
    return this.request<Answer<'startBackfill', 202>>('POST', `/api/workflows/${enc(id)}/backfill`, body);
  }

  cancelBackfill(id: string): Promise<BackfillCancelled> {
    return this.request<Answer<'cancelBackfill', 200>>('DELETE', `/api/workflows/${enc(id)}/backfill`);
  }

  listRuns(query: { workflowId?: string; status?: string; limit?: number; continuation?: string }): Promise<Page<RunSummary>> {
    const q = new URLSearchParams();
    if (query.workflowId) q.set('workflowId', query.workflowId);
    if (query.status) q.set('status', query.status);
    if (query.limit) q.set('limit', String(query.limit));
    if (query.continuation) q.set('continuation', query.continuation);
    const text = q.toString();
    return this.request<Answer<'listRuns', 200>>('GET', `/api/runs${text ? `?${text}` : ''}`);
  }

  getRun(runId: string): Promise<RunDetail> {
    return this.request<Answer<'getRun', 200>>('GET', `/api/runs/${enc(runId)}`);
  }

  /** The run's event log; with `after`, only the events that follow that sequence (a page; `next` says more are stored). */
  events(runId: string, after?: number): Promise<RunEventPage> {
    const query = after === undefined ? '' : `?after=${after}`;
    return this.request<Answer<'listRunEvents', 200>>('GET', `/api/runs/${enc(runId)}/events${query}`);
  }

  attempts(runId: string, taskId: string): Promise<Page<Attempt>> {
    return this.request<Answer<'listTaskAttempts', 200>>('GET', `/api/runs/${enc(runId)}/tasks/${enc(taskId)}/attempts`);
  }

  cancel(runId: string, reason?: string): Promise<RunCancelling> {
    const body: RequestBody<'cancelRun'> = reason ? { reason } : {};
    return this.request<Answer<'cancelRun', 202>>('POST', `/api/runs/${enc(runId)}/cancel`, body);
  }

  retry(runId: string): Promise<Accepted> {
    return this.request<Answer<'retryRun', 202>>('POST', `/api/runs/${enc(runId)}/retry`, {});
  }

  /** Checks a key without storing it: true when the API accepts it. */
  async checkKey(key: string): Promise<{ ok: boolean; message: string }> {
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}/api/workflows`, { headers: { 'x-functions-key': key, accept: 'application/json' } });
    } catch (e) {
      return { ok: false, message: `The server could not be reached (${e instanceof Error ? e.message : String(e)}).` };
    }
    if (response.ok) return { ok: true, message: '' };
    const problem = await readProblem(response);
    return { ok: false, message: response.status === 401 ? 'That key was not accepted (401).' : problem.message };
  }

  /** One API call with the stored key; a problem answer becomes an {@link ApiError}. Shared by the functions at the end of this file. */
  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const key = keyStore.get();
    if (key) headers['x-functions-key'] = key;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}${path}`, init);
    } catch (e) {
      throw new ApiError(0, 'Network error', `The server could not be reached (${e instanceof Error ? e.message : String(e)}).`);
    }
    if (response.status === 401) {
      keyStore.clear();
      const problem = await readProblem(response);
      this.onUnauthorized(`The API key was rejected (401): ${problem.detail || problem.title}`);
      throw new ApiError(401, problem.title || 'Unauthorized', problem.detail);
    }
    if (!response.ok) {
      const problem = await readProblem(response);
      throw new ApiError(response.status, problem.title, problem.detail);
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}

async function readProblem(response: Response): Promise<{ title: string; detail: string; message: string }> {
  let title = `HTTP ${response.status}`;
  let detail = '';
  try {
    const body = (await response.json()) as { title?: unknown; detail?: unknown; errors?: unknown };
    if (typeof body.title === 'string') title = body.title;
    if (typeof body.detail === 'string') detail = body.detail;
    if (Array.isArray(body.errors)) {
      const messages = body.errors
        .map((e: unknown) => (typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : ''))
        .filter((m) => m.length > 0);
      if (messages.length > 0) detail = `${detail} ${messages.join('; ')}`.trim();
    }
  } catch {
    // Not a problem document (a proxy's HTML page, an empty body): the status line is all we have.
  }
  return { title, detail, message: detail ? `${title}: ${detail}` : title };
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

/** The client the pages share. */
export const api = new ApiClient();

// Authoring and the API reference. Kept together at the end of the file so the typed client above can change freely.

/** One error of a workflow, at its 1-based line and column. */
export interface WorkflowError {
  line: number;
  column: number;
  message: string;
  path: string | null;
}

/** What POST /api/workflows/validate answers. */
export interface WorkflowValidation {
  valid: boolean;
  id: string | null;
  errorCount: number;
  errors: WorkflowError[];
  warnings: string[];
}

/** What POST /api/workflows answers (200: the same content was there already; 201: a new version). */
export interface WorkflowRegistered {
  id: string;
  version: number;
  created: boolean;
  warnings: string[];
}

/** Checks a workflow's YAML without storing it; `signal` aborts a check a newer one replaced. */
export function validateWorkflow(source: string, signal?: AbortSignal, client: ApiClient = api): Promise<WorkflowValidation> {
  return sendYaml(client, '/api/workflows/validate', source, signal);
}

/** Registers a workflow's YAML: a new version when the content changed. */
export function registerWorkflow(source: string, client: ApiClient = api): Promise<WorkflowRegistered> {
  return sendYaml(client, '/api/workflows', source);
}

/** The OpenAPI document this host serves. */
export function getOpenApiDocument(client: ApiClient = api): Promise<unknown> {
  return client['request']('GET', '/api/openapi.json');
}

/** Posts YAML as written (application/yaml, line breaks kept), with the client's key and its 401 handling. */
async function sendYaml<T>(client: ApiClient, path: string, source: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/yaml' };
  const key = keyStore.get();
  if (key) headers['x-functions-key'] = key;
  let response: Response;
  try {
    response = await client['fetcher'](`${client['base']}${path}`, { method: 'POST', headers, body: source, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, 'Network error', `The server could not be reached (${e instanceof Error ? e.message : String(e)}).`);
  }
  const problem = response.ok ? null : await readProblem(response);
  if (problem && response.status === 401) {
    keyStore.clear();
    client['onUnauthorized'](`The API key was rejected (401): ${problem.detail || problem.title}`);
  }
  if (problem) throw new ApiError(response.status, problem.title, problem.detail);
  return (await response.json()) as T;
}

// Dead letters and redrive in place (GET/DELETE /api/deadletters, POST /api/runs/{runId}/redrive).

/** A task that failed for good, or a run that failed without one (timed out, or storage kept refusing its change). */
export type DeadLetter = Schemas['DeadLetterView'];

/** Answer of a redrive: the run resumes in place under the same id. */
export type Redriving = Answer<'redriveRun', 202>;

/** Open dead letters, newest first. */
export function listDeadLetters(query: { workflowId?: string; limit?: number; continuation?: string }, client: ApiClient = api): Promise<Page<DeadLetter>> {
  const q = new URLSearchParams();
  if (query.workflowId) q.set('workflowId', query.workflowId);
  if (query.limit) q.set('limit', String(query.limit));
  if (query.continuation) q.set('continuation', query.continuation);
  const text = q.toString();
  return client['request']('GET', `/api/deadletters${text ? `?${text}` : ''}`);
}

/** Acknowledges a dead letter: it leaves the listing; the record keeps who acknowledged it. */
export function acknowledgeDeadLetter(id: string, client: ApiClient = api): Promise<DeadLetter> {
  return client['request']('DELETE', `/api/deadletters/${enc(id)}`);
}

/** Resumes a failed or cancelled run in place: the named tasks (every task that did not succeed when none) and their downstream run again. */
export function redriveRun(runId: string, tasks: string[] = [], client: ApiClient = api): Promise<Redriving> {
  return client['request']('POST', `/api/runs/${enc(runId)}/redrive`, tasks.length > 0 ? { tasks } : {});
}

// Circuit breakers (GET /api/circuits).

/** One target origin's circuit breaker, as shared by every run and process on the storage account. */
export type Circuit = Schemas['CircuitView'];

/** Every target origin's circuit, by origin. */
export function listCircuits(client: ApiClient = api): Promise<Answer<'listCircuits', 200>> {
  return client['request']('GET', '/api/circuits');
}

// Run statistics (GET /api/workflows/{id}/stats).

/** A workflow's runs that ended in a time range, from its hourly aggregates: counts, success rate, duration percentiles, slowest tasks. */
export type WorkflowStats = Schemas['WorkflowStats'];

/** The statistics since an instant (the server's default: the last 7 days), with the `top` slowest tasks. */
export function getWorkflowStats(id: string, query: { since?: string; top?: number } = {}, client: ApiClient = api): Promise<WorkflowStats> {
  const q = new URLSearchParams();
  if (query.since) q.set('since', query.since);
  if (query.top) q.set('top', String(query.top));
  const text = q.toString();
  return client['request']('GET', `/api/workflows/${enc(id)}/stats${text ? `?${text}` : ''}`);
}

// forEach instances (GET /api/runs/{runId}/tasks/{taskId}/instances; each instance's attempts are at the attempts route under its id, "task[3]").

/** A forEach task's instances counted by status, as the run's view shows them under the task. */
export type InstanceSummary = Schemas['ForEachSummaryView'];

/** One instance of a forEach task. */
export type TaskInstance = Schemas['ForEachInstanceView'];

/** A page of a forEach task's instances, in item order. */
export type InstanceList = Answer<'listTaskInstances', 200>;

/** The instances of a forEach task from index `offset`, at most `limit` (the route allows up to 1000). */
export function listInstances(runId: string, taskId: string, offset: number, limit: number, client: ApiClient = api): Promise<InstanceList> {
  return client['request']('GET', `/api/runs/${enc(runId)}/tasks/${enc(taskId)}/instances?offset=${offset}&limit=${limit}`);
}

// Event triggers (the `triggers` of GET /api/workflows/{id}; POST /api/workflows/{id}/webhook/rotate).

/** A workflow's queue and webhook triggers, as its detail shows them. */
export type Triggers = Schemas['TriggersView'];

/** Answer of a rotation: the webhook's new URL (the old one stops starting runs at once). */
export type WebhookRotated = Schemas['WebhookRotated'];

/** Gives a workflow's webhook a new secret URL (admin). */
export function rotateWebhook(id: string, client: ApiClient = api): Promise<WebhookRotated> {
  return client['request']('POST', `/api/workflows/${enc(id)}/webhook/rotate`, {});
}
