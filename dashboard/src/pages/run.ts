// One run: live DAG, tasks grid, Gantt timeline, attempt inspector, event log, cancel and retry. A forEach task's node
// counts its instances; its grid row and timeline bar expand into its instances (a page at a time), refreshed with the run. Follows the run's event stream and
// refreshes at each event; where the host has no stream (the Function App), polls every second until the run is final.

import { api, ApiError, redriveRun, type Attempt, type RunDetail, type RunEvent, type RunTask, type TaskInstance } from '../api';
import { layoutDag } from '../dag/layout';
import { renderDag, type DagView, type NodeState } from '../dag/render';
import { h, replaceChildren } from '../dom';
import { attemptOutcome, formatAbsolute, formatClock, formatDuration, formatEventData, millisBetween, prettyJson } from '../format';
import { followRunStream } from '../live';
import { computeGantt, renderGantt } from '../gantt';
import { renderRunTasks } from '../grid';
import { InstanceExpansions, instanceCounts, instanceCountText, parseInstanceId } from '../instances';
import { startPolling } from '../poll';
import { navigate, runHref, workflowHref } from '../router';
import { isFinal, toStatus } from '../status';
import { errorSlot, section, showError, statusBadge } from '../ui';

/** Above this many tasks, attempts are loaded only for the task being inspected. */
const MAX_ATTEMPT_LOADS = 40;

export function mountRun(root: HTMLElement, runId: string): () => void {
  const errors = errorSlot();
  const head = h('div', { class: 'page-head' }, h('h1', null, runId));
  const facts = h('div', { class: 'card' });
  const dagHolder = h('div', { class: 'dag-holder', 'data-testid': 'run-dag' });
  const ganttHolder = h('div');
  const tasksHolder = h('div', { class: 'grid-scroll' });
  const inspector = h('div', { 'data-testid': 'attempt-inspector' }, h('p', { class: 'muted' }, 'Click a task in the graph or the timeline to see its attempts.'));
  const eventsHolder = h('div', { class: 'events-scroll' });
  const cancelButton = h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel-button', disabled: true }, 'Cancel');
  const retryButton = h('button', { type: 'button', 'data-testid': 'retry-button', disabled: true }, 'Retry failed');
  const redriveButton = h('button', { type: 'button', 'data-testid': 'redrive-button', disabled: true, title: 'Resume this run in place: same run, succeeded tasks kept' }, 'Redrive');
  const actions = h('div', { class: 'actions' }, cancelButton, retryButton, redriveButton);
  root.append(
    head,
    errors,
    facts,
    section('Graph', dagHolder),
    section('Tasks', tasksHolder),
    section('Timeline', ganttHolder),
    h('div', { class: 'columns' }, section('Attempts', inspector), section('Events', eventsHolder)),
  );

  let run: RunDetail | null = null;
  let dag: DagView | null = null;
  let dagKey = '';
  let selected: string | null = null;
  const attempts = new Map<string, Attempt[]>();
  let allAttemptsLoaded = false;
  let disposed = false;
  const expansions = new InstanceExpansions(runId, () => draw());
  const expansion = {
    toggle: (taskId: string): void => void expansions.toggle(taskId),
    more: (taskId: string): void => void expansions.more(taskId),
  };

  // A task or one of its instances ("task[3]"): the graph marks the task, the inspector shows the instance's attempts.
  const select = (id: string): void => {
    selected = id;
    dag?.select(parseInstanceId(id)?.taskId ?? id);
    draw();
    void loadAttempts(id).then(() => draw());
  };

  const loadAttempts = async (taskId: string): Promise<void> => {
    try {
      const page = await api.attempts(runId, taskId);
      attempts.set(taskId, page.items);
    } catch (e) {
      showError(errors, e);
    }
  };

  const draw = (): void => {
    if (disposed || !run) return;
    const now = new Date();
    replaceChildren(tasksHolder, renderRunTasks(run.tasks, (taskId) => expansions.get(taskId), { select, ...expansion }, selected, now));
    replaceChildren(ganttHolder, renderGantt(computeGantt(run.tasks, attempts, now, expansions.all()), select, selected, expansion));
    renderInspector(inspector, run, selected, selected ? attempts.get(selected) : undefined, instanceOf(selected));
  };

  cancelButton.addEventListener('click', () => {
    if (!window.confirm(`Cancel run ${runId}?`)) return;
    cancelButton.disabled = true;
    api.cancel(runId, 'cancelled from the dashboard').then(
      () => poller.refresh(),
      (e: unknown) => {
        showError(errors, e);
        poller.refresh();
      },
    );
  });
  retryButton.addEventListener('click', () => {
    retryButton.disabled = true;
    api.retry(runId).then(
      (accepted) => navigate(runHref(accepted.runId)),
      (e: unknown) => {
        retryButton.disabled = false;
        showError(errors, e);
      },
    );
  });

  redriveButton.addEventListener('click', () => {
    redriveButton.disabled = true;
    redriveRun(runId).then(
      () => {
        // The Function App stores the resumed state a moment after answering: look again once it has.
        poller.refresh();
        setTimeout(() => poller.refresh(), 2000);
      },
      (e: unknown) => {
        redriveButton.disabled = false;
        showError(errors, e);
      },
    );
  });

  // The log read so far: each tick asks only for the events after the last one it has, page by page while more are stored,
  // so watching a long run does not read its whole log every second.
  const events: RunEvent[] = [];
  let lastSequence = -1;
  const readNewEvents = async (): Promise<void> => {
    for (;;) {
      const before = lastSequence;
      const page = await api.events(runId, lastSequence);
      for (const e of page.items) {
        if (e.sequence > lastSequence) {
          events.push(e);
          lastSequence = e.sequence;
        }
      }
      // A page that brought nothing new ends the read too, whatever it says follows.
      if (page.next === null || page.next === undefined || lastSequence === before) return;
    }
  };

  const tick = async (): Promise<boolean> => {
    try {
      const [detail] = await Promise.all([api.getRun(runId), readNewEvents()]);
      run = detail;
    } catch (e) {
      if (disposed) return false;
      showError(errors, e);
      // A run that does not exist will not appear by polling; anything else may be transient.
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return false;
      return run === null || !isFinal(toStatus(run.status));
    }
    if (disposed) return false;
    showError(errors, null);
    const current = run;
    const status = toStatus(current.status);
    const final = isFinal(status);

    renderHead(head, current, actions);
    renderFacts(facts, current);
    cancelButton.disabled = final;
    retryButton.disabled = !(status === 'failed' || status === 'cancelled');
    redriveButton.disabled = retryButton.disabled;

    const key = current.tasks.map((t) => `${t.id}<${(t.dependsOn ?? []).join(',')}`).join('|');
    if (!dag || key !== dagKey) {
      const layout = layoutDag(current.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn ?? [] })));
      dag = renderDag(layout, nodeStates(current.tasks), select);
      dagKey = key;
      replaceChildren(dagHolder, dag.element);
      dag.select(selected === null ? null : (parseInstanceId(selected)?.taskId ?? selected));
    } else {
      dag.update(nodeStates(current.tasks));
    }

    // Expanded forEach tasks: the instances shown, read again (no more than shown) until their task is final.
    await expansions.refresh(current.tasks);
    // Attempts: the inspected task's live; once the run is final, every task's (for the timeline).
    if (selected) await loadAttempts(selected);
    if (final && !allAttemptsLoaded && current.tasks.length <= MAX_ATTEMPT_LOADS) {
      allAttemptsLoaded = true;
      await Promise.all(current.tasks.filter((t) => t.startedAt !== null).map((t) => loadAttempts(t.id)));
    }
    if (disposed) return false;
    draw();
    renderEvents(eventsHolder, events);
    return !final;
  };

  // While the stream delivers, each event triggers a refresh and the slow poll is only a safety net.
  let streaming = true;
  const poller = startPolling(tick, () => (streaming ? 15_000 : 1000));
  const closeStream = followRunStream(runId, {
    onEvent: () => poller.refresh(),
    onEnd: () => poller.refresh(),
    onFallback: () => {
      streaming = false;
      poller.refresh();
    },
  });
  /** The instance an id names, as last shown (its task may have been collapsed since it was clicked). */
  const seen = new Map<string, TaskInstance>();
  function instanceOf(id: string | null): TaskInstance | undefined {
    const parsed = id === null ? null : parseInstanceId(id);
    const shown = parsed ? expansions.get(parsed.taskId)?.items.find((i) => i.index === parsed.index) : undefined;
    if (id !== null && shown) seen.set(id, shown);
    return id === null ? undefined : (shown ?? seen.get(id));
  }

  return () => {
    disposed = true;
    closeStream();
    poller.stop();
  };
}

function nodeStates(tasks: readonly RunTask[]): Map<string, NodeState> {
  const now = new Date();
  const states = new Map<string, NodeState>();
  for (const t of tasks) {
    const status = toStatus(t.status);
    let detail: string;
    switch (status) {
      case 'running':
        detail = `running · try ${t.attempt}${t.maxAttempts ? `/${t.maxAttempts}` : ''} · ${formatDuration(millisBetween(t.startedAt, now))}`;
        break;
      case 'retrying':
        detail = t.dueAt ? `retry ${t.attempt + 1} at ${formatClock(t.dueAt)}` : `retrying after try ${t.attempt}`;
        break;
      case 'waiting':
        detail =
          t.type === 'wait' && t.dueAt
            ? `waiting until ${formatClock(t.dueAt)}`
            : `waiting for callback · ${formatDuration(millisBetween(t.startedAt, now))}`;
        break;
      case 'skipped':
        // A skip by condition names the condition in its reason; say so on the node, the reason panel has the text.
        detail = t.reason?.startsWith('condition false') ? 'skipped · condition false' : status;
        break;
      case 'succeeded':
      case 'failed':
        detail = `${status} · ${formatDuration(millisBetween(t.startedAt, t.finishedAt))}${t.attempt > 1 ? ` · ${t.attempt} tries` : ''}`;
        break;
      default:
        detail = status;
    }
    // A forEach task: its instances counted, with a bar of their statuses, instead of one attempt's story.
    if (t.instances) states.set(t.id, { status, detail: instanceCountText(t.instances), progress: instanceCounts(t.instances) });
    else states.set(t.id, { status, detail });
  }
  return states;
}

function renderHead(head: HTMLElement, run: RunDetail, actions: HTMLElement): void {
  replaceChildren(
    head,
    h(
      'div',
      null,
      h('a', { href: workflowHref(run.workflowId), class: 'muted small', 'data-testid': 'run-workflow-link' }, `← ${run.workflowId}`),
      h('h1', null, 'Run ', h('span', { class: 'mono', 'data-testid': 'run-id' }, run.runId), ' ', statusBadge(run.status, 'run-status')),
    ),
    actions,
  );
}

function renderFacts(target: HTMLElement, run: RunDetail): void {
  const counts = Object.entries(run.taskCounts ?? {}).map(([status, n]) => h('span', { class: 'count' }, statusBadge(status), ` ${n}`));
  const duration = run.durationMs ?? millisBetween(run.startedAt, run.finishedAt ?? new Date().toISOString());
  replaceChildren(
    target,
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Workflow'),
      h('dd', null, h('a', { href: workflowHref(run.workflowId) }, run.workflowId), ` v${run.version}`),
      h('dt', null, 'Trigger'),
      h('dd', null, run.trigger, scheduledNote(run)),
      h('dt', null, 'Started'),
      h('dd', null, formatAbsolute(run.startedAt ?? run.createdAt)),
      h('dt', null, 'Finished'),
      h('dd', null, run.finishedAt ? formatAbsolute(run.finishedAt) : '–'),
      h('dt', null, 'Duration'),
      h('dd', { 'data-testid': 'run-duration' }, formatDuration(duration)),
      h('dt', null, 'Tasks'),
      h('dd', null, ...counts),
      run.reason ? h('dt', null, 'Reason') : null,
      run.reason ? h('dd', { 'data-testid': 'run-reason' }, run.reason) : null,
      run.retryOf ? h('dt', null, 'Retry of') : null,
      run.retryOf ? h('dd', null, h('a', { href: runHref(run.retryOf) }, run.retryOf)) : null,
      // The id to look the run up by in a tracing backend (Jaeger, Tempo, Application Insights' transaction search).
      run.traceId ? h('dt', null, 'Trace') : null,
      run.traceId ? h('dd', null, h('code', { 'data-testid': 'run-trace-id' }, run.traceId)) : null,
      h('dt', null, 'Params'),
      h('dd', null, run.params && Object.keys(run.params).length > 0 ? h('pre', { class: 'inline-pre' }, prettyJson(run.params)) : h('span', { class: 'muted' }, 'none')),
    ),
  );
}

/** " · scheduled for …" when the run stands for a scheduled instant other than the moment it was created. */
function scheduledNote(run: RunDetail): string {
  if (!run.scheduledAt) return '';
  const apart = Math.abs(millisBetween(run.createdAt, run.scheduledAt) ?? 0);
  return run.trigger.toLowerCase() === 'manual' && apart < 1000 ? '' : ` · scheduled for ${formatAbsolute(run.scheduledAt)}`;
}

function renderInspector(target: HTMLElement, run: RunDetail, taskId: string | null, attempts: readonly Attempt[] | undefined, instance?: TaskInstance): void {
  if (!taskId) return;
  const parsed = parseInstanceId(taskId);
  const parent = parsed ? run.tasks.find((t) => t.id === parsed.taskId) : undefined;
  // An instance reads like a task: its status, try, last HTTP status and reason; its own attempts below.
  const task: RunTask | undefined =
    parsed && parent
      ? {
          ...parent,
          id: taskId,
          status: instance?.status ?? 'pending',
          attempt: instance?.attempt ?? 0,
          startedAt: instance?.startedAt ?? null,
          finishedAt: instance?.finishedAt ?? null,
          statusCode: instance?.statusCode ?? null,
          dueAt: instance?.dueAt ?? null,
          reason: instance?.reason ?? null,
          output: null,
          outputTruncated: false,
          instances: null,
        }
      : run.tasks.find((t) => t.id === taskId);
  if (!task) {
    replaceChildren(target, h('p', { class: 'muted' }, `No task ${taskId} in this run.`));
    return;
  }
  const header = h(
    'div',
    { class: 'inspector-head' },
    h('h3', { 'data-testid': 'inspected-task' }, task.id),
    statusBadge(task.status, 'inspected-status'),
    h(
      'span',
      { class: 'muted' },
      ` try ${task.attempt}${task.maxAttempts ? ` of ${task.maxAttempts}` : ''}`,
      task.statusCode !== null ? ` · last HTTP ${task.statusCode}` : '',
      task.dueAt && toStatus(task.status) === 'retrying' ? ` · next try at ${formatAbsolute(task.dueAt)}` : '',
    ),
  );
  const reason = task.reason ? h('p', { class: 'reason' }, task.reason) : null;
  const output =
    task.output !== null && task.output !== undefined
      ? h('details', { 'data-key': 'task-output' }, h('summary', null, `Task output${task.outputTruncated ? ' (truncated)' : ''}`), h('pre', null, prettyJson(task.output)))
      : null;
  const list =
    attempts === undefined
      ? h('p', { class: 'muted' }, 'Loading attempts…')
      : attempts.length === 0
        ? h('p', { class: 'muted' }, 'No attempts yet.')
        : h('ol', { class: 'attempts' }, ...[...attempts].sort((a, b) => b.attempt - a.attempt).map(attemptItem));
  // Keep open <details> open across live refreshes.
  const open = new Set([...target.querySelectorAll('details[open]')].map((d) => d.getAttribute('data-key') ?? ''));
  replaceChildren(target, header, reason, output, list);
  for (const d of target.querySelectorAll('details')) {
    if (open.has(d.getAttribute('data-key') ?? '')) d.open = true;
  }
}

function attemptItem(a: Attempt): HTMLElement {
  const outcomeStatus =
    a.outcome === 'succeeded' ? 'succeeded' : a.outcome === 'accepted' ? 'waiting' : a.outcome === 'retryable' || a.retryDelayMs != null ? 'retrying' : 'failed';
  return h(
    'li',
    { class: 'attempt', 'data-testid': 'attempt', 'data-attempt': a.attempt, 'data-outcome': a.outcome },
    h(
      'div',
      { class: 'attempt-head' },
      h('strong', null, `#${a.attempt}`),
      ' ',
      statusBadge(outcomeStatus),
      h('span', { class: 'mono', 'data-testid': 'attempt-outcome' }, ` ${attemptOutcome(a)}`),
      a.statusCode !== null ? h('span', { class: 'code' }, ` HTTP ${a.statusCode}`) : null,
      h('span', { class: 'muted' }, ` · ${formatDuration(a.durationMs)} · ${formatAbsolute(a.startedAt)}`),
    ),
    a.request ? h('div', { class: 'mono small request' }, a.request) : null,
    a.error ? h('pre', { class: 'error-text', 'data-testid': 'attempt-error' }, a.error) : null,
    a.output
      ? h(
          'details',
          { 'data-key': `out-${a.attempt}` },
          h('summary', null, `Response output${a.outputTruncated ? ' (truncated)' : ''}`),
          h('pre', { 'data-testid': 'attempt-output' }, prettyJson(a.output)),
        )
      : null,
  );
}

function renderEvents(target: HTMLElement, events: readonly RunEvent[]): void {
  if (events.length === 0) {
    replaceChildren(target, h('p', { class: 'muted' }, 'No events yet.'));
    return;
  }
  const rows = [...events]
    .sort((a, b) => a.sequence - b.sequence)
    .map((e, index) => {
      const data = formatEventData(e.data);
      // Sequence numbers are storage keys with gaps (per-task blocks), so the log numbers its rows instead.
      return h(
        'tr',
        { 'data-testid': 'event-row', 'data-type': e.type, 'data-sequence': e.sequence },
        h('td', { class: 'muted', title: `sequence ${e.sequence}` }, String(index + 1)),
        h('td', { title: formatAbsolute(e.timestamp) }, formatClock(e.timestamp)),
        h('td', null, e.type),
        h('td', null, e.taskId ?? ''),
        h('td', { class: 'mono small event-data', title: data.length > 200 ? data.slice(0, 2000) : '' }, data.length > 200 ? `${data.slice(0, 200)}…` : data),
      );
    });
  const wasAtBottom = target.scrollHeight - target.scrollTop - target.clientHeight < 8;
  replaceChildren(
    target,
    h(
      'table',
      { class: 'table compact', 'data-testid': 'event-log' },
      h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'time'), h('th', null, 'event'), h('th', null, 'task'), h('th', null, 'data'))),
      h('tbody', null, ...rows),
    ),
  );
  if (wasAtBottom) target.scrollTop = target.scrollHeight;
}
