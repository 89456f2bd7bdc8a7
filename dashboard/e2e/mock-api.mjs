// A stand-in Loom API for working on the dashboard without the server (NOT used by the test command):
// serves the built dashboard and simulated workflows/runs on one origin. Runs progress with time: each task
// takes `ms` after its dependencies; cancel ends what is active. Key: MOCK_KEY (default "dev-key").
//
//   node e2e/mock-api.mjs [port]      then open http://127.0.0.1:<port>/
//   LOOM_URL=http://127.0.0.1:<port> LOOM_KEY=dev-key LOOM_SLOW_WORKFLOW=slow-demo node e2e/dashboard.e2e.mjs

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions', 'Loom.Server', 'wwwroot');
const port = Number(process.argv[2] ?? 5099);
const key = process.env.MOCK_KEY ?? 'dev-key';

const workflows = {
  'daily-report': { name: 'Daily Report', cron: '0 3 * * *', timezone: 'UTC', description: 'At 03:00', params: { date: null, region: 'eu' }, tasks: [['fetch_data', [], 1200], ['process', ['fetch_data'], 1500], ['report', ['process'], 800]] },
  'etl-fanout': { name: 'ETL fan-out', cron: '*/15 * * * *', timezone: 'Europe/Paris', description: 'Every 15 minutes', params: {}, tasks: [['extract', [], 700], ['clean_a', ['extract'], 900], ['clean_b', ['extract'], 1300], ['clean_c', ['extract'], 600], ['load', ['clean_a', 'clean_b', 'clean_c'], 800], ['notify', ['extract', 'load'], 300]] },
  'retry-demo': { name: 'Retry demo', cron: null, params: {}, tasks: [['flaky', [], 2000, 'failed'], ['after', ['flaky'], 500]] },
  'callback-demo': { name: 'Callback demo', cron: '30 6 * * 1-5', timezone: 'America/New_York', description: 'At 06:30, Monday through Friday', params: {}, tasks: [['<b>start</b>', [], 500], ['wait_for_partner', ['<b>start</b>'], 3000]] },
  'slow-demo': { name: 'Slow demo', cron: null, params: {}, tasks: [['slow', [], 600_000]] },
  // A fifth element makes a forEach task of that many instances, at most 3 at once, sharing the task's time.
  'foreach-demo': { name: 'Dynamic fan-out (forEach)', cron: null, params: {}, tasks: [['list_items', [], 400], ['process', ['list_items'], 1500, undefined, 8], ['summarize', ['process'], 300]] },
};

/** A forEach task's instances: three at a time in item order over the task's time, cut by a cancel. */
function instancesOf(task, count, stop, now) {
  const slot = task.ms / Math.ceil(count / 3);
  const start = task.startedAt ? Date.parse(task.startedAt) : null;
  return [...Array(count).keys()].map((index) => {
    const from = start === null ? null : start + Math.floor(index / 3) * slot;
    const to = from === null ? null : from + slot;
    let status = 'pending';
    if (from !== null && stop <= from) status = 'cancelled';
    else if (from !== null && from <= now) status = to <= Math.min(now, stop) ? 'succeeded' : stop <= now ? 'cancelled' : 'running';
    else if (task.status === 'cancelled') status = 'cancelled';
    const ran = status === 'succeeded' || status === 'running' || (status === 'cancelled' && from !== null && from < stop);
    return { id: `${task.id}[${index}]`, index, status, attempt: ran ? 1 : 0, startedAt: ran ? new Date(from).toISOString() : null, finishedAt: status === 'succeeded' ? new Date(to).toISOString() : null, dueAt: null, reason: null, statusCode: status === 'succeeded' ? 200 : null };
  });
}
const paused = new Set();
const runs = new Map();

function simulate(run, now) {
  const byId = new Map();
  const tasks = [];
  const stop = run.cancelled ?? Infinity;
  for (const [id, deps, ms, outcome, count] of workflows[run.workflowId].tasks) {
    const ds = deps.map((d) => byId.get(d));
    let status = 'pending';
    let startedAt = null;
    let finishedAt = null;
    if (ds.some((d) => d.status === 'failed' || d.status === 'skipped')) status = 'skipped';
    else if (ds.some((d) => d.status === 'cancelled')) status = 'cancelled';
    else if (ds.every((d) => d.status === 'succeeded')) {
      const start = Math.max(run.started, ...ds.map((d) => Date.parse(d.finishedAt)));
      const end = start + ms;
      if (stop <= start) status = 'cancelled';
      else {
        startedAt = new Date(start).toISOString();
        if (stop < end && stop <= now) [status, finishedAt] = ['cancelled', new Date(stop).toISOString()];
        else if (end <= now) [status, finishedAt] = [outcome ?? 'succeeded', new Date(end).toISOString()];
        else status = 'running';
      }
    } else if (stop <= now) status = 'cancelled';
    const task = { id, status, attempt: startedAt ? 1 : 0, maxAttempts: 3, dependsOn: deps, stage: null, startedAt, finishedAt, dueAt: null, reason: status === 'failed' ? 'HTTP 500 from the backend' : null, statusCode: finishedAt && status !== 'cancelled' ? (status === 'failed' ? 500 : 200) : null, output: status === 'succeeded' ? { rows: 42, note: '<script>alert(1)</script>' } : null, outputTruncated: false };
    task.instances = null;
    if (count !== undefined && (startedAt || status === 'cancelled')) {
      const items = instancesOf({ ...task, ms }, count, stop, now);
      const counts = {};
      for (const i of items) counts[i.status] = (counts[i.status] ?? 0) + 1;
      task.instances = { total: count, maxParallel: 3, counts };
      Object.defineProperty(task, 'items', { value: items, enumerable: false });
    }
    byId.set(id, task);
    tasks.push(task);
  }
  const active = tasks.some((t) => t.status === 'running' || t.status === 'pending');
  const status = stop <= now ? 'cancelled' : active ? 'running' : tasks.some((t) => t.status === 'failed') ? 'failed' : 'succeeded';
  const ends = tasks.map((t) => t.finishedAt).filter(Boolean).map((t) => Date.parse(t));
  const finishedAt = status === 'running' ? null : new Date(Math.max(run.started, Number.isFinite(stop) ? stop : 0, ...ends)).toISOString();
  return { tasks, status, finishedAt };
}

function runView(run, now = Date.now()) {
  const sim = simulate(run, now);
  const counts = {};
  for (const t of sim.tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return { runId: run.runId, workflowId: run.workflowId, version: 1, status: sim.status, trigger: run.trigger, createdAt: new Date(run.started).toISOString(), scheduledAt: null, finishedAt: sim.finishedAt, startedAt: new Date(run.started).toISOString(), durationMs: (sim.finishedAt ? Date.parse(sim.finishedAt) : now) - run.started, reason: run.cancelled ? 'cancelled from the dashboard' : null, retryOf: run.retryOf ?? null, params: run.params, taskCounts: counts, tasks: sim.tasks, traceId: null };
}

function summary(id) {
  const wf = workflows[id];
  const last = [...runs.values()].filter((r) => r.workflowId === id).sort((a, b) => b.started - a.started)[0];
  const next = wf.cron && !paused.has(id) ? [1, 2, 3].map((h) => new Date(Date.now() + h * 3_600_000).toISOString()) : [];
  const { tasks: _t, ...lastRun } = last ? runView(last) : {};
  return { id, name: wf.name, description: null, version: 1, paused: paused.has(id), updatedAt: new Date().toISOString(), tags: [], taskCount: wf.tasks.length, schedule: wf.cron ? { cron: wf.cron, timezone: wf.timezone, description: wf.description, catchup: 'none', concurrency: 'allow' } : null, nextFireTimes: next, nextFireTime: next[0] ?? null, lastRun: last ? lastRun : null };
}

function startRun(workflowId, params, retryOf) {
  const runId = `${workflowId}-m${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  runs.set(runId, { runId, workflowId, started: Date.now(), trigger: retryOf ? 'retry' : 'manual', params, retryOf });
  return runId;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(body));
}
const problem = (res, status, title, detail) => send(res, status, { type: `https://loom.dev/problems/${status}`, title, status, detail });

async function api(req, res, url) {
  if (req.headers['x-functions-key'] !== key) return problem(res, 401, 'Unauthorized', 'Send a valid API key in the x-functions-key header.');
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  let body = {};
  if (req.method === 'POST') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const text = Buffer.concat(chunks).toString();
    try { body = text ? JSON.parse(text) : {}; } catch { return problem(res, 400, 'Malformed JSON', 'The body is not valid JSON.'); }
  }
  const [a, b, c, d, e] = parts;
  if (a === 'workflows' && !b && req.method === 'GET') return send(res, 200, { items: Object.keys(workflows).map(summary) });
  if (a === 'workflows' && b) {
    const wf = workflows[b];
    if (!wf) return problem(res, 404, 'Not found', `No workflow with id '${b}'.`);
    if (!c && req.method === 'GET') return send(res, 200, { ...summary(b), source: `id: ${b}\n`, definition: { id: b, name: wf.name, failFast: false, timeoutMs: null, params: wf.params, tasks: wf.tasks.map(([id, deps]) => ({ id, method: 'POST', url: `http://backend/api/tasks/${id}`, dependsOn: deps, trigger: 'AllSuccess', completion: 'sync', timeoutMs: 30000, maxAttempts: 3, backoff: 'exponential', allowFailure: false })) } });
    if (c === 'versions' && !d) return send(res, 200, { id: b, items: [{ version: 1, contentHash: 'abcdef0123456789', createdAt: new Date(Date.now() - 86_400_000).toISOString() }] });
    if (c === 'versions' && d) return send(res, 200, { id: b, version: 1, contentHash: 'abcdef0123456789', createdAt: new Date().toISOString(), source: `id: ${b}\nname: ${wf.name}\n` });
    if ((c === 'pause' || c === 'resume') && req.method === 'POST') {
      if (c === 'pause') paused.add(b); else paused.delete(b);
      return send(res, 200, { id: b, paused: c === 'pause' });
    }
    if (c === 'runs' && req.method === 'POST') {
      const unknown = Object.keys(body.params ?? {}).filter((k) => !(k in wf.params));
      if (unknown.length) return problem(res, 400, 'Bad params', `Workflow '${b}' has no parameter '${unknown[0]}'.`);
      return send(res, 202, { runId: startRun(b, body.params ?? {}) });
    }
  }
  if (a === 'runs' && !b) {
    const list = [...runs.values()].filter((r) => !url.searchParams.get('workflowId') || r.workflowId === url.searchParams.get('workflowId')).sort((x, y) => y.started - x.started).slice(0, Number(url.searchParams.get('limit') ?? 50));
    const wanted = url.searchParams.get('status');
    const items = list.map((r) => { const { tasks: _t, ...s } = runView(r); return s; }).filter((s) => !wanted || s.status === wanted);
    return send(res, 200, { items, continuation: null });
  }
  if (a === 'runs' && b) {
    const run = runs.get(b);
    if (!run) return problem(res, 404, 'Not found', `No run with id '${b}'.`);
    const view = runView(run);
    if (!c) return send(res, 200, view);
    if (c === 'events') {
      const items = [{ type: 'RunStarted', taskId: null, at: view.startedAt }];
      for (const t of view.tasks) {
        if (t.startedAt) items.push({ type: 'TaskStarted', taskId: t.id, at: t.startedAt });
        if (t.finishedAt) items.push({ type: `Task${t.status[0].toUpperCase()}${t.status.slice(1)}`, taskId: t.id, at: t.finishedAt });
      }
      if (view.finishedAt) items.push({ type: 'RunFinished', taskId: null, at: view.finishedAt });
      items.sort((x, y) => x.at.localeCompare(y.at));
      return send(res, 200, { runId: b, items: items.map((x, i) => ({ sequence: i + 1, timestamp: x.at, type: x.type, taskId: x.taskId, data: { status: view.status } })) });
    }
    if (c === 'tasks' && e === 'instances') {
      const t = view.tasks.find((x) => x.id === d);
      if (!t) return problem(res, 404, 'Not found', `Run '${b}' has no task '${d}'.`);
      const all = t.items ?? [];
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100));
      return send(res, 200, { runId: b, taskId: d, total: all.length, offset, items: all.slice(offset, offset + limit) });
    }
    if (c === 'tasks' && e === 'attempts') {
      const t = view.tasks.find((x) => x.id === d) ?? view.tasks.flatMap((x) => x.items ?? []).find((x) => x.id === d);
      if (!t) return problem(res, 404, 'Not found', `Run '${b}' has no task '${d}'.`);
      const items = t.startedAt ? [{ attempt: 1, startedAt: t.startedAt, durationMs: (t.finishedAt ? Date.parse(t.finishedAt) : Date.now()) - Date.parse(t.startedAt), outcome: t.finishedAt ? (t.status === 'failed' ? 'failed' : t.status) : 'accepted', statusCode: t.statusCode, request: `POST http://backend/api/tasks/${t.id}`, error: t.status === 'failed' ? 'HTTP 500: <html>boom</html>' : null, output: t.output ? JSON.stringify(t.output) : null, outputTruncated: false }] : [];
      return send(res, 200, { runId: b, taskId: d, items });
    }
    if (c === 'cancel' && req.method === 'POST') {
      if (view.status !== 'running' && view.status !== 'pending') return problem(res, 409, 'Run already finished', `Run '${b}' already ${view.status}; there is nothing to cancel.`);
      run.cancelled = Date.now();
      return send(res, 202, { runId: b, status: 'cancelling' });
    }
    if (c === 'retry' && req.method === 'POST') {
      if (view.status !== 'failed' && view.status !== 'cancelled') return problem(res, 409, 'Nothing to retry', `Run '${b}' is ${view.status}.`);
      return send(res, 202, { runId: startRun(run.workflowId, run.params, b), retryOf: b });
    }
  }
  return problem(res, 404, 'Not found', `No API route matches ${url.pathname}.`);
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/api/')) {
    api(req, res, url).catch((err) => problem(res, 500, 'Mock error', String(err)));
    return;
  }
  let file = path.join(root, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = path.join(root, 'index.html');
  res.writeHead(200, {
    'content-type': types[path.extname(file)] ?? 'application/octet-stream',
    // The policy the dashboard is built to run under: nothing inline, nothing from elsewhere.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    // As Loom.Server: hashed assets forever, index.html revalidated.
    'cache-control': path.relative(root, file).startsWith('assets') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
});
server.listen(port, '127.0.0.1', () => console.log(`mock Loom API + dashboard on http://127.0.0.1:${port}/ (key ${key})`));
