// One workflow: its DAG (coloured by the latest run), its event triggers, a trigger form generated from its params, a backfill form with the
// progress of a backfill under way, the runs grid and versions.

import { api, ApiError, getWorkflowStats, type RunDetail, type RunSummary, type VersionItem, type WorkflowDetail } from '../api';
import { layoutDag } from '../dag/layout';
import { renderDag, type DagView, type NodeState } from '../dag/render';
import { h, replaceChildren } from '../dom';
import { formatAbsolute, formatDuration, formatRelative } from '../format';
import { backfillRange, paramFields, readParams, type ParamField } from '../params';
import { buildGrid, renderGrid, type GridRun } from '../grid';
import { fanOutTasks } from '../instances';
import { renderDiff, sideBySide } from '../diff';
import { startPolling } from '../poll';
import { renderTriggers } from '../triggers';
import { renderStats } from '../stats';
import { editorHref, navigate, runHref } from '../router';
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
  const backfillHolder = h('div');
  const statsHolder = h('div', { 'data-testid': 'workflow-stats' });
  const backfillSection = section('Backfill', backfillHolder);
  backfillSection.hidden = true;
  const triggersHolder = h('div');
  const rotated = h('p', { class: 'small', 'data-testid': 'webhook-rotated' });
  rotated.hidden = true;
  const triggersSection = section('Event triggers', triggersHolder, rotated);
  triggersSection.hidden = true;
  triggersSection.setAttribute('data-testid', 'triggers-section');
  root.append(
    head,
    errors,
    h('div', { class: 'card' }, summary),
    triggersSection,
    section('Graph', dagHolder, dagCaption),
    h('div', { class: 'columns' }, section('Runs', gridHolder), section('Trigger a run', triggerHolder)),
    backfillSection,
    section('Versions', versionsHolder),
    section('Statistics (last 7 days)', statsHolder),
  );
  // The statistics change only when a run ends: asked again when the newest run changes (or ends), not at every tick.
  let statsShownFor: string | null = null;
  let backfill: BackfillView | null = null;
  // Rebuilt only when the triggers change, so a click on its buttons is not lost to a refresh.
  let triggersShown = '';

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
        replaceChildren(triggerHolder, triggerForm(wf));
        backfillSection.hidden = wf.schedule === null;
        backfill = wf.schedule === null ? null : backfillForm(wf, () => poller.refresh());
        replaceChildren(backfillHolder, backfill?.element ?? null);
      }
      backfill?.progress(wf.backfill ?? null);
      const triggersKey = JSON.stringify(wf.triggers ?? null);
      if (triggersKey !== triggersShown) {
        triggersSection.hidden = !wf.triggers;
        replaceChildren(triggersHolder, wf.triggers ? renderTriggers(wf.id, wf.triggers, errors, rotated) : null);
        triggersShown = triggersKey;
      }
      const latest = runs.items[0] ? details.get(runs.items[0].runId) : undefined;
      const fanOut = fanOutTasks(wf.definition.tasks, details.values());
      dag.update(nodeStates(wf, latest, fanOut));
      dagCaption.textContent = latest ? `Coloured by the latest run, ${latest.runId} (${toStatus(latest.status)}).` : 'No runs yet: every task is shown as pending.';
      const statsKey = runs.items[0] ? `${runs.items[0].runId}:${runs.items[0].status}` : '';
      if (statsKey !== statsShownFor) {
        try {
          replaceChildren(statsHolder, renderStats(await getWorkflowStats(workflowId, { top: 5 })));
          statsShownFor = statsKey;
        } catch {
          // Statistics are an extra: the page stays useful without them, and the next change asks again.
          replaceChildren(statsHolder, h('p', { class: 'muted' }, 'Statistics unavailable.'));
        }
        if (disposed) return false;
      }
      const gridRuns: GridRun[] = runs.items.map((r) => ({ ...r, ...(details.get(r.runId) ?? {}) }));
      replaceChildren(gridHolder, renderGrid(buildGrid(wf.definition.tasks.map((t) => t.id), gridRuns, fanOut)));
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

function nodeStates(wf: WorkflowDetail, latest: RunDetail | undefined, fanOut: ReadonlySet<string>): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const t of wf.definition.tasks) {
    const run = latest?.tasks.find((x) => x.id === t.id);
    // A wait task calls nothing: say what it waits for; a condition is flagged on either kind.
    const what =
      t.type === 'wait'
        ? t.until
          ? `wait until ${t.until}`
          : `wait ${formatDuration(t.durationMs ?? 0)}`
        : `${t.method ?? ''} · ${t.maxAttempts} attempt${t.maxAttempts === 1 ? '' : 's'}`;
    // A forEach task runs once per item: drawn as a stack, its line starting with "each".
    const each = fanOut.has(t.id) ? `each · ${what}` : what;
    states.set(t.id, { status: run ? toStatus(run.status) : 'pending', detail: t.when ? `${each} · when…` : each, fanOut: fanOut.has(t.id) });
  }
  return states;
}

function renderHead(head: HTMLElement, wf: WorkflowDetail): void {
  replaceChildren(
    head,
    h('div', null, h('a', { href: '#/workflows', class: 'muted small' }, '← Workflows'), h('h1', { 'data-testid': 'workflow-title' }, wf.name || wf.id)),
    h('span', { class: 'muted' }, `${wf.id} · v${wf.version} · `, h('a', { href: editorHref(wf.id), 'data-testid': 'edit-link' }, 'Edit')),
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

/** One labelled input per parameter, prefilled with its default; returns the inputs' texts by name. */
function paramInputs(fields: readonly ParamField[], testid: string): { element: HTMLElement; texts: () => Map<string, string> } {
  const inputs = fields.map((f) =>
    h('input', {
      type: 'text',
      class: f.kind === 'json' ? 'mono' : '',
      value: f.text,
      required: f.required,
      placeholder: f.required ? 'required' : '',
      'data-testid': `${testid}-${f.name}`,
      'data-param': f.name,
      'aria-label': f.name,
    }),
  );
  const rows = fields.map((f, i) => h('label', { class: 'param' }, h('span', { class: 'mono' }, f.name, f.required ? ' *' : ''), inputs[i]!));
  return {
    element: h('div', { class: 'params' }, ...(rows.length > 0 ? rows : [h('p', { class: 'muted small' }, 'This workflow takes no parameters.')])),
    texts: () => new Map(inputs.map((input, i) => [fields[i]!.name, input.value])),
  };
}

function triggerForm(wf: WorkflowDetail): HTMLElement {
  const fields = paramFields(wf.definition.params);
  const params = paramInputs(fields, 'param');
  const message = errorSlot('trigger-error');
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'trigger-button' }, 'Trigger');
  const form = h('form', { class: 'trigger' }, params.element, h('div', { class: 'row' }, button), message);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const read = readParams(fields, params.texts());
    if (read.errors.length > 0) {
      showError(message, new Error(read.errors.join('; ')));
      return;
    }
    button.disabled = true;
    showError(message, null);
    api.trigger(wf.id, read.values).then(
      (accepted) => navigate(runHref(accepted.runId)),
      (err: unknown) => {
        button.disabled = false;
        showError(message, err);
      },
    );
  });
  return form;
}

interface BackfillView {
  element: HTMLElement;
  /** Shows the backfill under way (from the workflow's detail), or nothing. */
  progress(state: WorkflowDetail['backfill'] | null): void;
}

/** The backfill form: a UTC range, parameters and a bound on concurrent runs, with the progress of a bounded backfill. */
function backfillForm(wf: WorkflowDetail, changed: () => void): BackfillView {
  const fields = paramFields(wf.definition.params);
  const params = paramInputs(fields, 'backfill-param');
  const from = h('input', { type: 'datetime-local', step: 1, 'data-testid': 'backfill-from', 'aria-label': 'From (UTC)' });
  const to = h('input', { type: 'datetime-local', step: 1, 'data-testid': 'backfill-to', 'aria-label': 'To (UTC)' });
  const bound = h('input', { type: 'number', min: 1, max: 1000, placeholder: 'all at once', 'data-testid': 'backfill-max', 'aria-label': 'At most this many runs at once' });
  const message = errorSlot('backfill-error');
  const result = h('p', { class: 'muted small', 'data-testid': 'backfill-result' });
  const status = h('div', { 'data-testid': 'backfill-progress' });
  const button = h('button', { type: 'submit', 'data-testid': 'backfill-button' }, 'Backfill');
  const form = h(
    'form',
    { class: 'trigger' },
    h('p', { class: 'muted small' }, `One run per occurrence of ${wf.schedule?.cron ?? ''} in the range (UTC, both ends included); an occurrence that already ran is not run again.`),
    h('div', { class: 'row' }, h('label', { class: 'param' }, 'From', from), h('label', { class: 'param' }, 'To', to), h('label', { class: 'param' }, 'Max concurrent', bound)),
    params.element,
    h('div', { class: 'row' }, button),
    message,
    result,
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const range = backfillRange(from.value, to.value);
    const read = readParams(fields, params.texts());
    const limit = bound.value.trim() === '' ? undefined : Number(bound.value);
    const problems = [...('error' in range ? [range.error] : []), ...read.errors];
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) problems.push('Max concurrent must be a whole number from 1 to 1000.');
    if (problems.length > 0 || 'error' in range) {
      showError(message, new Error(problems.join(' ')));
      return;
    }
    button.disabled = true;
    showError(message, null);
    api.backfill(wf.id, { from: range.from, to: range.to, params: read.values, ...(limit !== undefined ? { maxConcurrent: limit } : {}) }).then(
      (r) => {
        button.disabled = false;
        result.textContent =
          `${r.occurrences} occurrence(s): started ${r.runIds.length}, ${r.alreadyExisting.length} already existed` +
          (r.queued && r.queued.length > 0 ? `, ${r.queued.length} queued (at most ${r.maxConcurrent} at once)` : '') +
          '.';
        changed();
      },
      (err: unknown) => {
        button.disabled = false;
        showError(message, err);
      },
    );
  });
  return {
    element: form,
    progress(state): void {
      if (!state) {
        replaceChildren(status);
        return;
      }
      const drop = h('button', { type: 'button', class: 'link', 'data-testid': 'backfill-cancel' }, 'drop the rest');
      drop.addEventListener('click', () => {
        drop.disabled = true;
        api.cancelBackfill(wf.id).then(changed, (err: unknown) => showError(message, err));
      });
      replaceChildren(status, h('p', null, `Backfill under way: ${state.queued} queued, ${state.active} running (at most ${state.maxConcurrent} at once) · `, drop));
    },
  };
}

/** The versions, newest first, each with its source; two of them compared side by side (by default the two newest). */
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
  replaceChildren(target, h('table', { class: 'table compact' }, h('tbody', null, ...rows)), source, sorted.length > 1 ? compareVersions(workflowId, sorted) : null);
}

/** Two version pickers and the diff between them; versions' texts never change, so each is fetched once. */
function compareVersions(workflowId: string, sorted: readonly VersionItem[]): HTMLElement {
  const picker = (testid: string, chosen: number): HTMLSelectElement => {
    const select = h('select', { 'data-testid': testid, 'aria-label': testid === 'diff-left' ? 'Older version' : 'Newer version' }, ...sorted.map((v) => h('option', { value: v.version }, `v${v.version}`)));
    select.value = String(chosen);
    return select;
  };
  const left = picker('diff-left', sorted[1]!.version);
  const right = picker('diff-right', sorted[0]!.version);
  const out = h('div', { 'data-testid': 'diff-holder' });
  const texts = new Map<number, Promise<string>>();
  const text = (version: number): Promise<string> => {
    let found = texts.get(version);
    if (!found) {
      found = api.getVersion(workflowId, version).then((r) => r.source);
      found.catch(() => texts.delete(version));
      texts.set(version, found);
    }
    return found;
  };
  let shown = 0;
  const show = (): void => {
    const [a, b] = [Number(left.value), Number(right.value)];
    const ticket = ++shown;
    Promise.all([text(a), text(b)]).then(
      ([before, after]) => {
        if (ticket === shown) replaceChildren(out, renderDiff(sideBySide(before, after), `v${a}`, `v${b}`));
      },
      (e: unknown) => {
        if (ticket === shown) replaceChildren(out, h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)));
      },
    );
  };
  left.addEventListener('change', show);
  right.addEventListener('change', show);
  show();
  return h('div', { class: 'compare' }, h('h3', null, 'Compare ', left, ' with ', right), out);
}
