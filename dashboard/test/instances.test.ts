// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { InstanceList, RunTask, TaskInstance } from '../src/api';
import { layoutDag } from '../src/dag/layout';
import { renderDag } from '../src/dag/render';
import { computeGantt, renderGantt } from '../src/gantt';
import { buildGrid, renderGrid, renderRunTasks } from '../src/grid';
import { fanOutTasks, INSTANCE_PAGE, InstanceExpansions, instanceCounts, instanceCountText, parseInstanceId, type InstanceFetcher } from '../src/instances';

const hostile = '<img src=x onerror="alert(1)">';

function instance(taskId: string, index: number, status: TaskInstance['status'] = 'succeeded'): TaskInstance {
  const started = status === 'pending' ? null : new Date(Date.UTC(2026, 11, 6, 8, 0, index)).toISOString();
  const final = status === 'succeeded' || status === 'failed';
  return {
    id: `${taskId}[${index}]`,
    index,
    status,
    attempt: status === 'pending' ? 0 : 1,
    startedAt: started,
    finishedAt: final && started ? new Date(Date.parse(started) + 500).toISOString() : null,
    dueAt: null,
    reason: status === 'failed' ? 'HTTP 500' : null,
    statusCode: final ? (status === 'failed' ? 500 : 200) : null,
  };
}

/** A fake instances route over `total` instances whose statuses `status(i)` gives; records each request. */
function fakeRoute(total: number, status: (i: number) => TaskInstance['status'] = () => 'succeeded') {
  const requests: Array<{ taskId: string; offset: number; limit: number }> = [];
  const fetcher: InstanceFetcher = (runId, taskId, offset, limit) => {
    requests.push({ taskId, offset, limit });
    const items: TaskInstance[] = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) items.push(instance(taskId, i, status(i)));
    return Promise.resolve({ runId, taskId, total, offset, items } satisfies InstanceList);
  };
  return { requests, fetcher };
}

function task(id: string, status: RunTask['status'], instances: RunTask['instances'] = null): RunTask {
  return {
    id,
    status,
    attempt: 1,
    maxAttempts: 3,
    dependsOn: [],
    stage: 0,
    startedAt: '2026-12-06T08:00:00Z',
    finishedAt: status === 'running' ? null : '2026-12-06T08:00:05Z',
    dueAt: null,
    reason: null,
    statusCode: null,
    output: null,
    outputTruncated: false,
    type: 'http',
    when: null,
    instances,
  };
}

describe('instance counts', () => {
  it('reads "×10 · 7✓ 1✗ 2⟳": finished and active instances, the pending ones left as the rest', () => {
    const summary = { total: 10, maxParallel: 3, counts: { running: 1, succeeded: 7, retrying: 1, failed: 1 } };
    expect(instanceCountText(summary)).toBe('×10 · 7✓ 1✗ 2⟳');
    expect(instanceCounts(summary)).toEqual([
      { status: 'succeeded', count: 7 },
      { status: 'failed', count: 1 },
      { status: 'running', count: 1 },
      { status: 'retrying', count: 1 },
    ]);
  });

  it('is the total alone before anything ran, and counts cancelled instances', () => {
    expect(instanceCountText({ total: 8, maxParallel: null, counts: { pending: 8 } })).toBe('×8');
    expect(instanceCountText({ total: 4, maxParallel: null, counts: { succeeded: 1, cancelled: 3, zero: 0 } })).toBe('×4 · 1✓ 3⊘');
  });

  it('parses instance ids, the task id possibly holding brackets', () => {
    expect(parseInstanceId('process[12]')).toEqual({ taskId: 'process', index: 12 });
    expect(parseInstanceId('a[b][3]')).toEqual({ taskId: 'a[b]', index: 3 });
    expect(parseInstanceId('process')).toBeNull();
  });
});

describe('InstanceExpansions', () => {
  it('shows the first page when a task expands, a page more at each "more", and hides them again', async () => {
    const route = fakeRoute(250);
    let changes = 0;
    const expansions = new InstanceExpansions('run-1', () => changes++, route.fetcher);
    await expansions.toggle('each');
    expect(route.requests).toEqual([{ taskId: 'each', offset: 0, limit: INSTANCE_PAGE }]);
    expect(expansions.get('each')!.items.map((i) => i.index)).toEqual([...Array(100).keys()]);
    expect(expansions.get('each')!.total).toBe(250);

    await expansions.more('each');
    await expansions.more('each');
    expect(route.requests.slice(1)).toEqual([
      { taskId: 'each', offset: 100, limit: 100 },
      { taskId: 'each', offset: 200, limit: 100 },
    ]);
    expect(expansions.get('each')!.items.map((i) => i.id)).toEqual([...Array(250).keys()].map((i) => `each[${i}]`));
    // Every instance is shown: "more" asks for nothing.
    await expansions.more('each');
    expect(route.requests).toHaveLength(3);
    expect(changes).toBeGreaterThan(0);

    await expansions.toggle('each');
    expect(expansions.isExpanded('each')).toBe(false);
    expect(expansions.all().size).toBe(0);
  });

  it('refreshes exactly the instances shown, in requests of at most 1000, until the task is final', async () => {
    let done = false;
    const route = fakeRoute(5000, () => (done ? 'succeeded' : 'running'));
    const expansions = new InstanceExpansions('run-1', () => undefined, route.fetcher);
    await expansions.toggle('each');
    for (let i = 0; i < 10; i++) await expansions.more('each');
    expect(expansions.get('each')!.items).toHaveLength(1100);
    route.requests.length = 0;

    await expansions.refresh([task('each', 'running')]);
    expect(route.requests).toEqual([
      { taskId: 'each', offset: 0, limit: 1000 },
      { taskId: 'each', offset: 1000, limit: 100 },
    ]);
    expect(expansions.get('each')!.items.every((i) => i.status === 'running')).toBe(true);

    // The task ends: one more read shows the final statuses, then it is not read again.
    done = true;
    route.requests.length = 0;
    await expansions.refresh([task('each', 'succeeded')]);
    expect(route.requests).toHaveLength(2);
    expect(expansions.get('each')!.items.every((i) => i.status === 'succeeded')).toBe(true);
    await expansions.refresh([task('each', 'succeeded')]);
    expect(route.requests).toHaveLength(2);
    // A redrive runs it again: it is read again.
    await expansions.refresh([task('each', 'running')]);
    expect(route.requests).toHaveLength(4);
  });

  it('reads nothing for collapsed tasks and keeps an error to show', async () => {
    const requests: number[] = [];
    const expansions = new InstanceExpansions('run-1', () => undefined, (_r, _t, offset) => {
      requests.push(offset);
      return Promise.reject(new Error('HTTP 503'));
    });
    await expansions.refresh([task('each', 'running')]);
    expect(requests).toEqual([]);
    await expansions.toggle('each');
    expect((expansions.get('each')!.error as Error).message).toBe('HTTP 503');
    expect(expansions.get('each')!.loading).toBe(false);
  });

  it('drops an answer that a collapse made stale', async () => {
    let release: (v: InstanceList) => void = () => undefined;
    const expansions = new InstanceExpansions('run-1', () => undefined, () => new Promise<InstanceList>((r) => (release = r)));
    const first = expansions.toggle('each');
    await expansions.toggle('each');
    release({ runId: 'run-1', taskId: 'each', total: 1, offset: 0, items: [instance('each', 0)] });
    await first;
    expect(expansions.isExpanded('each')).toBe(false);
  });
});

describe('renderRunTasks', () => {
  const tasks = [task('list', 'succeeded'), task('each', 'running', { total: 250, maxParallel: 3, counts: { succeeded: 120, running: 3, pending: 127 } })];

  it('gives a forEach task an expand control with its count; other tasks have none', () => {
    const element = renderRunTasks(tasks, () => undefined, { select: () => undefined, toggle: () => undefined, more: () => undefined }, null, new Date());
    const toggles = element.querySelectorAll('[data-testid="expand-instances"]');
    expect(toggles).toHaveLength(1);
    expect(toggles[0]!.getAttribute('data-task-id')).toBe('each');
    expect(toggles[0]!.getAttribute('aria-expanded')).toBe('false');
    expect(toggles[0]!.textContent).toContain('×250 · 120✓ 3⟳');
    expect(element.querySelectorAll('[data-testid="instance-row"]')).toHaveLength(0);
  });

  it('lists the instances shown of an expanded task with a "more" control, and reports clicks', async () => {
    const route = fakeRoute(250, (i) => (i === 1 ? 'failed' : 'succeeded'));
    const expansions = new InstanceExpansions('run-1', () => undefined, route.fetcher);
    const calls: string[] = [];
    const handlers = { select: (id: string) => calls.push(`select ${id}`), toggle: (id: string) => calls.push(`toggle ${id}`), more: (id: string) => calls.push(`more ${id}`) };
    await expansions.toggle('each');
    const element = renderRunTasks(tasks, (id) => expansions.get(id), handlers, 'each[1]', new Date());
    const rows = element.querySelectorAll('[data-testid="instance-row"]');
    expect(rows).toHaveLength(100);
    expect(rows[1]!.getAttribute('data-instance-id')).toBe('each[1]');
    expect(rows[1]!.getAttribute('data-status')).toBe('failed');
    expect(rows[1]!.classList.contains('selected')).toBe(true);
    expect(rows[1]!.textContent).toContain('HTTP 500');
    expect(element.querySelector('[data-testid="expand-instances"]')!.getAttribute('aria-expanded')).toBe('true');

    rows[1]!.dispatchEvent(new Event('click'));
    element.querySelector('[data-testid="instances-more"]')!.dispatchEvent(new Event('click'));
    element.querySelector('[data-testid="expand-instances"]')!.dispatchEvent(new Event('click'));
    expect(calls).toEqual(['select each[1]', 'more each', 'toggle each']);
  });

  it('offers no "more" once every instance is shown, and says so while a list is unresolved', async () => {
    const route = fakeRoute(3);
    const expansions = new InstanceExpansions('run-1', () => undefined, route.fetcher);
    await expansions.toggle('each');
    const handlers = { select: () => undefined, toggle: () => undefined, more: () => undefined };
    const element = renderRunTasks(tasks, (id) => expansions.get(id), handlers, null, new Date());
    expect(element.querySelectorAll('[data-testid="instance-row"]')).toHaveLength(3);
    expect(element.querySelector('[data-testid="instances-more"]')).toBeNull();

    const empty = new InstanceExpansions('run-1', () => undefined, fakeRoute(0).fetcher);
    await empty.toggle('each');
    expect(renderRunTasks(tasks, (id) => empty.get(id), handlers, null, new Date()).querySelector('[data-testid="instances-empty"]')).not.toBeNull();
  });

  it('puts hostile ids and reasons in as text', async () => {
    const expansions = new InstanceExpansions('run-1', () => undefined, (runId, taskId) =>
      Promise.resolve({ runId, taskId, total: 1, offset: 0, items: [{ ...instance(taskId, 0, 'failed'), reason: hostile }] }),
    );
    const hostileTask = task(hostile, 'failed', { total: 1, maxParallel: 1, counts: { failed: 1 } });
    await expansions.toggle(hostile);
    const element = renderRunTasks([hostileTask], (id) => expansions.get(id), { select: () => undefined, toggle: () => undefined, more: () => undefined }, null, new Date());
    expect(element.querySelector('img')).toBeNull();
    expect(element.querySelector('[data-testid="instance-row"]')!.getAttribute('data-instance-id')).toBe(`${hostile}[0]`);
  });
});

describe('forEach in the DAG', () => {
  it('draws a fan-out task as a stack with a bar of its instances by status, and clears it when it is not one', () => {
    const layout = layoutDag([
      { id: 'list', dependsOn: [] },
      { id: 'each', dependsOn: ['list'] },
    ]);
    const each = { total: 10, maxParallel: 3, counts: { succeeded: 7, failed: 1, running: 2 } };
    const view = renderDag(layout, new Map([['each', { status: 'running' as const, detail: instanceCountText(each), progress: instanceCounts(each) }]]));
    const node = view.element.querySelector('[data-task-id="each"]')!;
    expect(node.getAttribute('data-fan-out')).toBe('true');
    expect(node.querySelector('.dag-node-detail')!.textContent).toBe('×10 · 7✓ 1✗ 2⟳');
    const segments = [...node.querySelectorAll('[data-testid="dag-node-progress"] rect[data-status]')];
    expect(segments.map((r) => [r.getAttribute('data-status'), r.getAttribute('data-count')])).toEqual([
      ['succeeded', '7'],
      ['failed', '1'],
      ['running', '2'],
    ]);
    const widths = segments.map((r) => Number(r.getAttribute('width')));
    expect(widths[0]! / widths[1]!).toBeCloseTo(7, 0);

    const plain = view.element.querySelector('[data-task-id="list"]')!;
    expect(plain.getAttribute('data-fan-out')).toBeNull();
    expect(plain.querySelectorAll('[data-testid="dag-node-progress"] rect')).toHaveLength(0);

    // On the workflow page, a definition's forEach task is a stack without counts.
    view.update(new Map([['list', { status: 'pending' as const, fanOut: true }]]));
    expect(view.element.querySelector('[data-task-id="list"]')!.getAttribute('data-fan-out')).toBe('true');
    expect(view.element.querySelector('[data-task-id="each"]')!.getAttribute('data-fan-out')).toBeNull();
  });

  it('finds the forEach tasks of a definition from the runs that counted instances of them', () => {
    const definition = [{ id: 'list' }, { id: 'each' }, { id: 'marked', forEach: '${{ params.items }}' }];
    const runs = [{ tasks: [task('list', 'succeeded'), task('each', 'running', { total: 2, maxParallel: null, counts: { running: 2 } })] }];
    expect([...fanOutTasks(definition, runs)].sort()).toEqual(['each', 'marked']);
  });

  it('marks the runs grid row of a forEach task and counts its instances in the cell title', () => {
    const grid = buildGrid(['list', 'each'], [
      { runId: 'r1', status: 'running', createdAt: '2026-12-06T08:00:00Z', tasks: [task('list', 'succeeded'), task('each', 'running', { total: 4, maxParallel: 2, counts: { succeeded: 2, running: 2 } })] },
    ]);
    expect(grid.rows.map((r) => [r.taskId, r.fanOut])).toEqual([
      ['list', false],
      ['each', true],
    ]);
    const element = renderGrid(grid);
    expect(element.querySelectorAll('[data-testid="grid-fan-out"]')).toHaveLength(1);
    expect(element.querySelector('[data-testid="grid-cell"][data-task-id="each"]')!.getAttribute('title')).toContain('×4 · 2✓ 2⟳');
  });
});

describe('forEach in the Gantt chart', () => {
  const now = new Date('2026-12-06T08:05:00Z');
  const tasks = [task('each', 'running', { total: 150, maxParallel: 3, counts: { succeeded: 100, running: 50 } })];

  it('expands a forEach task into one bar per instance shown, offered "more" after the last', async () => {
    const route = fakeRoute(150, (i) => (i < 100 ? 'succeeded' : i < 102 ? 'running' : 'pending'));
    const expansions = new InstanceExpansions('run-1', () => undefined, route.fetcher);
    const collapsed = computeGantt(tasks, new Map(), now, expansions.all());
    expect(collapsed.rows.map((r) => [r.taskId, r.fanOut])).toEqual([['each', { expanded: false, shown: 0, total: 150 }]]);

    await expansions.toggle('each');
    const gantt = computeGantt(tasks, new Map(), now, expansions.all());
    expect(gantt.rows).toHaveLength(101);
    expect(gantt.rows[1]!).toMatchObject({ taskId: 'each[0]', instanceOf: 'each', status: 'succeeded', bar: { offset: 0, length: 500 } });
    const calls: string[] = [];
    const element = renderGantt(gantt, (id) => calls.push(`select ${id}`), null, { toggle: (id) => calls.push(`toggle ${id}`), more: (id) => calls.push(`more ${id}`) });
    expect(element.querySelectorAll('[data-instance-of="each"]')).toHaveLength(100);
    expect(element.querySelector('[data-testid="gantt-bar"][data-task-id="each[3]"]')).not.toBeNull();
    const more = element.querySelectorAll('[data-testid="gantt-more"]');
    expect(more).toHaveLength(1);
    expect(more[0]!.textContent).toContain('100 of 150');
    // The "more" row comes right after the last instance shown.
    expect(more[0]!.closest('.gantt-row')!.previousElementSibling!.getAttribute('data-task-id')).toBe('each[99]');
    more[0]!.dispatchEvent(new Event('click'));
    element.querySelector('[data-testid="gantt-expand"]')!.dispatchEvent(new Event('click'));
    element.querySelector('[data-task-id="each[5]"]')!.dispatchEvent(new Event('click'));
    expect(calls).toEqual(['more each', 'toggle each', 'select each[5]']);

    await expansions.more('each');
    const all = computeGantt(tasks, new Map(), now, expansions.all());
    expect(all.rows).toHaveLength(151);
    // Pending instances have no bar; running ones run to now.
    expect(all.rows[150]!.bar).toBeNull();
    expect(all.rows[101]).toMatchObject({ taskId: 'each[100]', status: 'running', bar: { offset: 100_000, length: 200_000 } });
  });
});
