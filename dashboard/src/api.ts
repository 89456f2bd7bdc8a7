// The HTTP API client and the JSON shapes of functions/Loom.Core/Api (RunViews, DefinitionViews, WorkflowHandlers).

export interface ScheduleView {
  cron: string;
  timezone: string;
  description: string;
  catchup: string;
  concurrency: string;
}

export interface RunSummary {
  runId: string;
  workflowId: string;
  version: number;
  status: string;
  trigger: string;
  createdAt: string;
  scheduledAt: string | null;
  finishedAt: string | null;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string | null;
  version: number;
  paused: boolean;
  updatedAt: string;
  tags: string[];
  taskCount: number;
  schedule: ScheduleView | null;
  nextFireTimes: string[];
  nextFireTime: string | null;
  lastRun?: RunSummary | null;
}

export interface DefinitionTask {
  id: string;
  /** 'http' or 'wait' (a durable timer: no method, no url). */
  type?: string;
  method: string | null;
  url: string | null;
  /** The task's `when:` condition, if any. */
  when?: string | null;
  /** A wait task's duration, or the template of the instant it waits until. */
  durationMs?: number | null;
  until?: string | null;
  dependsOn: string[];
  trigger: string;
  completion: string;
  timeoutMs: number;
  maxAttempts: number;
  backoff: string;
  allowFailure: boolean;
}

export interface DefinitionView {
  id: string;
  name: string;
  failFast: boolean;
  timeoutMs: number | null;
  params: Record<string, unknown>;
  tasks: DefinitionTask[];
}

export interface WorkflowDetail extends WorkflowSummary {
  source: string | null;
  definition: DefinitionView;
  /** A bounded backfill under way: occurrences not started yet, its runs active now, and its bound. */
  backfill?: { queued: number; active: number; maxConcurrent: number } | null;
}

export interface BackfillResult {
  runIds: string[];
  queued?: string[];
  alreadyExisting: string[];
  occurrences: number;
  maxConcurrent?: number;
}

export interface VersionItem {
  version: number;
  contentHash: string;
  createdAt: string;
}

export interface VersionSource extends VersionItem {
  id: string;
  source: string;
}

export interface RunTask {
  id: string;
  status: string;
  attempt: number;
  maxAttempts: number | null;
  dependsOn: string[] | null;
  stage: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  dueAt: string | null;
  reason: string | null;
  statusCode: number | null;
  output: unknown;
  outputTruncated: boolean;
  type?: string | null;
  when?: string | null;
}

export interface RunDetail extends RunSummary {
  startedAt: string | null;
  durationMs: number | null;
  reason: string | null;
  retryOf: string | null;
  params: Record<string, unknown> | null;
  taskCounts: Record<string, number>;
  tasks: RunTask[];
}

export interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
  request: string;
  error: string | null;
  output: string | null;
  outputTruncated: boolean;
  /** Set when another attempt followed this one (or is due): when it started, and after how long. */
  retryAt?: string | null;
  retryDelayMs?: number | null;
}

export interface RunEvent {
  sequence: number;
  timestamp: string;
  type: string;
  taskId: string | null;
  data: unknown;
}

export interface Page<T> {
  items: T[];
  continuation?: string | null;
}

export interface Accepted {
  runId: string;
  retryOf?: string;
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
    return this.request('GET', '/api/workflows');
  }

  getWorkflow(id: string): Promise<WorkflowDetail> {
    return this.request('GET', `/api/workflows/${enc(id)}`);
  }

  listVersions(id: string): Promise<Page<VersionItem>> {
    return this.request('GET', `/api/workflows/${enc(id)}/versions`);
  }

  getVersion(id: string, version: number): Promise<VersionSource> {
    return this.request('GET', `/api/workflows/${enc(id)}/versions/${version}`);
  }

  setPaused(id: string, paused: boolean): Promise<{ id: string; paused: boolean }> {
    return this.request('POST', `/api/workflows/${enc(id)}/${paused ? 'pause' : 'resume'}`, {});
  }

  trigger(id: string, params: Record<string, unknown>): Promise<Accepted> {
    return this.request('POST', `/api/workflows/${enc(id)}/runs`, { params });
  }

  backfill(id: string, body: { from: string; to: string; params?: Record<string, unknown>; maxConcurrent?: number }): Promise<BackfillResult> {
    return this.request('POST', `/api/workflows/${enc(id)}/backfill`, body);
  }

  cancelBackfill(id: string): Promise<{ id: string; dropped: number }> {
    return this.request('DELETE', `/api/workflows/${enc(id)}/backfill`);
  }

  listRuns(query: { workflowId?: string; status?: string; limit?: number; continuation?: string }): Promise<Page<RunSummary>> {
    const q = new URLSearchParams();
    if (query.workflowId) q.set('workflowId', query.workflowId);
    if (query.status) q.set('status', query.status);
    if (query.limit) q.set('limit', String(query.limit));
    if (query.continuation) q.set('continuation', query.continuation);
    const text = q.toString();
    return this.request('GET', `/api/runs${text ? `?${text}` : ''}`);
  }

  getRun(runId: string): Promise<RunDetail> {
    return this.request('GET', `/api/runs/${enc(runId)}`);
  }

  events(runId: string): Promise<Page<RunEvent>> {
    return this.request('GET', `/api/runs/${enc(runId)}/events`);
  }

  attempts(runId: string, taskId: string): Promise<Page<Attempt>> {
    return this.request('GET', `/api/runs/${enc(runId)}/tasks/${enc(taskId)}/attempts`);
  }

  cancel(runId: string, reason?: string): Promise<{ runId: string; status: string }> {
    return this.request('POST', `/api/runs/${enc(runId)}/cancel`, reason ? { reason } : {});
  }

  retry(runId: string): Promise<Accepted> {
    return this.request('POST', `/api/runs/${enc(runId)}/retry`, {});
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

// Dead letters and redrive in place (GET/DELETE /api/deadletters, POST /api/runs/{runId}/redrive).

/** A task that failed for good, or a run that failed without one (timed out, or storage kept refusing its change). */
export interface DeadLetter {
  id: string;
  kind: 'task' | 'run';
  workflowId: string;
  runId: string;
  taskId: string | null;
  attempt: number | null;
  reason: string;
  failedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

/** Answer of a redrive: the run resumes in place under the same id. */
export interface Redriving {
  runId: string;
  tasks: string[];
  requestedBy: string;
  acknowledgedDeadLetters: number;
}

/** Open dead letters, newest first. */
export function listDeadLetters(query: { workflowId?: string; limit?: number; continuation?: string }, client: ApiClient = api): Promise<Page<DeadLetter>> {
  const q = new URLSearchParams();
  if (query.workflowId) q.set('workflowId', query.workflowId);
  if (query.limit) q.set('limit', String(query.limit));
  if (query.continuation) q.set('continuation', query.continuation);
  const text = q.toString();
  return client.request('GET', `/api/deadletters${text ? `?${text}` : ''}`);
}

/** Acknowledges a dead letter: it leaves the listing; the record keeps who acknowledged it. */
export function acknowledgeDeadLetter(id: string, client: ApiClient = api): Promise<DeadLetter> {
  return client.request('DELETE', `/api/deadletters/${enc(id)}`);
}

/** Resumes a failed or cancelled run in place: the named tasks (every task that did not succeed when none) and their downstream run again. */
export function redriveRun(runId: string, tasks: string[] = [], client: ApiClient = api): Promise<Redriving> {
  return client.request('POST', `/api/runs/${enc(runId)}/redrive`, tasks.length > 0 ? { tasks } : {});
}
