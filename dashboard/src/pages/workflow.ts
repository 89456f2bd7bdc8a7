// One workflow: its DAG (coloured by the latest run), trigger form, runs grid and versions.

import { api, ApiError, type RunDetail, type RunSummary, type VersionItem, type WorkflowDetail } from '../api';
import { layoutDag } from '../dag/layout';
import { renderDag, type DagView, type NodeState } from '../dag/render';
import { h, replaceChildren } from '../dom';
import { formatAbsolute, formatRelative } from '../format';
import { buildGrid, renderGrid, type GridRun } from '../grid';
import { startPolling } from '../poll';
import { navigate, runHref } from '../router';
import { isFinal, toStatus } from '../status';
import { errorSlot, section, showError, timeCell } from '../ui';

const GRID_RUNS = 20;

export function mountWorkflow(root: HTMLElement, workflowId: string): () => void {
  const errors = errorSlot();
  const head = h('div', { class: 'page-head' }, h('h1', null, workflowId));
  const summary = h('div', { class: 'summary' });
  const dagHolder = h('div', { class: 'dag-holder', 'data-testid': 'workflow-dag' });
  const dagCaption = h('p', { class: 'muted small' });
  const gridHolder = h('div');
  const versionsHolder = h('div');
  const triggerHolder = h('div');
  root.append(
    head,
    errors,
    h('div', { class: 'card' }, summary),
    section('Graph', dagHolder, dagCaption),
    h('div', { class: 'columns' }, section('Runs', gridHolder), section('Trigger a run', triggerHolder)),
    section('Versions', versionsHolder),
  );

  let detail: WorkflowDetail | null = null;
  let dag: DagView | null = null;
  let dagVersion = -1;
  let versionsShown = -1;
  const finished = new Map<string, RunDetail>();
  let disposed = false;

  const tick = async (): Promise<boolean> => {
    try {
      const [wf, runs] = await Promise.all([api.getWorkflow(workflowId), api.listRuns({ workflowId, limit: GRID_RUNS })]);
      if (disposed) return false;
      detail = wf;
      // Versions change only when the current version does.
      if (versionsShown !== wf.version) {
        const versions = await api.listVersions(workflowId);
        renderVersions(versionsHolder, workflowId, versions.items, wf.version);
        versionsShown = wf.version;
      }
      const details = await loadDetails(runs.items, finished);
      if (disposed) return false;
      showError(errors, null);
      renderHead(head, wf);
      renderSummary(summary, wf, () => poller.refresh(), errors);
      if (!dag || dagVersion !== wf.version) {
        const layout = layoutDag(wf.definition.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn })));
        dag = renderDag(layout, new Map());
        dagVersion = wf.version;
        replaceChildren(dagHolder, dag.element);
        if (triggerHolder.childElementCount === 0) triggerHolder.appendChild(triggerForm(wf));
      }
      const latest = runs.items[0] ? details.get(runs.items[0].runId) : undefined;
      dag.update(nodeStates(wf, latest));
      dagCaption.textContent = latest ? `Coloured by the latest run, ${latest.runId} (${toStatus(latest.status)}).` : 'No runs yet: every task is shown as pending.';
      const gridRuns: GridRun[] = runs.items.map((r) => ({ ...r, ...(details.get(r.runId) ?? {}) }));
      replaceChildren(gridHolder, renderGrid(buildGrid(wf.definition.tasks.map((t) => t.id), gridRuns)));
    } catch (e) {
      if (disposed) return false;
      showError(errors, e);
      if (e instanceof ApiError && e.status === 404 && detail === null) return false;
    }
    return true;
  };

  const poller = startPolling(tick, 5000);
  return () => {
    disposed = true;
    poller.stop();
  };
}

/** Run details for the grid; finished runs never change, so they are fetched once. */
async function loadDetails(runs: readonly RunSummary[], finished: Map<string, RunDetail>): Promise<Map<string, RunDetail>> {
  const result = new Map<string, RunDetail>();
  await Promise.all(
    runs.map(async (r) => {
      const cached = finished.get(r.runId);
      if (cached) {
        result.set(r.runId, cached);
        return;
      }
      try {
        const d = await api.getRun(r.runId);
        result.set(r.runId, d);
        if (isFinal(toStatus(d.status))) finished.set(r.runId, d);
      } catch {
        // One unreadable run leaves its column empty rather than breaking the page.
      }
    }),
  );
  return result;
}

function nodeStates(wf: WorkflowDetail, latest: RunDetail | undefined): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const t of wf.definition.tasks) {
    const run = latest?.tasks.find((x) => x.id === t.id);
    states.set(t.id, { status: run ? toStatus(run.status) : 'pending', detail: `${t.method} · ${t.maxAttempts} attempt${t.maxAttempts === 1 ? '' : 's'}` });
  }
  return states;
}

function renderHead(head: HTMLElement, wf: WorkflowDetail): void {
  replaceChildren(
    head,
    h('div', null, h('a', { href: '#/workflows', class: 'muted small' }, '← Workflows'), h('h1', { 'data-testid': 'workflow-title' }, wf.name || wf.id)),
    h('span', { class: 'muted' }, `${wf.id} · v${wf.version}`),
  );
}

function renderSummary(target: HTMLElement, wf: WorkflowDetail, changed: () => void, errors: HTMLElement): void {
  const now = new Date();
  const toggle = h('button', { type: 'button', class: wf.paused ? 'toggle off' : 'toggle on', 'data-testid': 'pause-toggle', 'data-paused': String(wf.paused) }, wf.paused ? 'Paused — resume' : 'Active — pause');
  toggle.addEventListener('click', () => {
    toggle.disabled = true;
    api.setPaused(wf.id, !wf.paused).then(changed, (e: unknown) => {
      toggle.disabled = false;
      showError(errors, e);
    });
  });
  const next = wf.nextFireTimes.length > 0 ? h('ul', { class: 'plain-list' }, ...wf.nextFireTimes.map((t) => h('li', null, timeCell(t, now, wf.schedule?.timezone)))) : h('span', { class: 'muted' }, wf.paused ? 'paused' : '–');
  replaceChildren(
    target,
    wf.description ? h('p', null, wf.description) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Schedule'),
      h('dd', null, wf.schedule ? `${wf.schedule.description} ` : 'on demand only', wf.schedule ? h('code', null, wf.schedule.cron) : null),
      h('dt', null, 'Time zone'),
      h('dd', null, wf.schedule?.timezone ?? '–'),
      h('dt', null, 'Policies'),
      h('dd', null, wf.schedule ? `catchup ${wf.schedule.catchup}, concurrency ${wf.schedule.concurrency}` : '–', wf.definition.failFast ? ', fail fast' : ''),
      h('dt', null, 'Next runs'),
      h('dd', null, next),
      h('dt', null, 'Tags'),
      h('dd', null, wf.tags.length > 0 ? wf.tags.join(', ') : '–'),
      h('dt', null, 'Scheduling'),
      h('dd', null, toggle),
    ),
  );
}

function triggerForm(wf: WorkflowDetail): HTMLElement {
  const params = h('textarea', {
    rows: 6,
    spellcheck: 'false',
    class: 'mono',
    'data-testid': 'params-input',
    'aria-label': 'Parameters as JSON',
    value: JSON.stringify(wf.definition.params ?? {}, null, 2),
  });
  const message = errorSlot('trigger-error');
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'trigger-button' }, 'Trigger');
  const form = h('form', { class: 'trigger' }, h('label', null, 'Parameters (JSON object; defaults from the definition)'), params, h('div', { class: 'row' }, button), message);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let values: unknown;
    try {
      values = params.value.trim() === '' ? {} : (JSON.parse(params.value) as unknown);
    } catch (err) {
      showError(message, new Error(`The parameters are not valid JSON: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      showError(message, new Error('The parameters must be a JSON object such as {"date": "2026-11-01"}.'));
      return;
    }
    button.disabled = true;
    showError(message, null);
    api.trigger(wf.id, values as Record<string, unknown>).then(
      (accepted) => navigate(runHref(accepted.runId)),
      (err: unknown) => {
        button.disabled = false;
        showError(message, err);
      },
    );
  });
  return form;
}

function renderVersions(target: HTMLElement, workflowId: string, items: readonly VersionItem[], current: number): void {
  const now = new Date();
  const source = h('pre', { class: 'source', 'data-testid': 'version-source' });
  source.hidden = true;
  const sorted = [...items].sort((a, b) => b.version - a.version);
  const rows = sorted.map((v) => {
    const view = h('button', { type: 'button', class: 'link' }, 'source');
    view.addEventListener('click', () => {
      source.hidden = false;
      source.textContent = 'Loading…';
      api.getVersion(workflowId, v.version).then(
        (r) => (source.textContent = r.source),
        (e: unknown) => (source.textContent = e instanceof Error ? e.message : String(e)),
      );
    });
    return h(
      'tr',
      { 'data-testid': 'version-row', 'data-version': v.version },
      h('td', null, `v${v.version}`, v.version === current ? h('span', { class: 'tag' }, 'current') : null),
      h('td', { title: formatAbsolute(v.createdAt) }, formatRelative(v.createdAt, now)),
      h('td', null, h('code', { title: v.contentHash }, v.contentHash.slice(0, 12))),
      h('td', null, view),
    );
  });
  replaceChildren(target, h('table', { class: 'table compact' }, h('tbody', null, ...rows)), source);
}

