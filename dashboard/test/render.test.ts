// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { layoutDag } from '../src/dag/layout';
import { renderDag, type NodeState } from '../src/dag/render';
import { computeGantt, renderGantt } from '../src/gantt';
import { buildGrid, renderGrid } from '../src/grid';
import { statusBadge } from '../src/ui';

const hostile = '<img src=x onerror="alert(1)">';

describe('renderDag', () => {
  it('renders one node and one edge element per task and dependency, with test ids and statuses', () => {
    const layout = layoutDag([
      { id: 'fetch_data', dependsOn: [] },
      { id: 'process', dependsOn: ['fetch_data'] },
      { id: 'report', dependsOn: ['process'] },
    ]);
    const states = new Map<string, NodeState>([
      ['fetch_data', { status: 'succeeded' }],
      ['process', { status: 'running', detail: 'try 1/3' }],
    ]);
    const view = renderDag(layout, states);
    const nodes = view.element.querySelectorAll('[data-testid="dag-node"]');
    expect(nodes).toHaveLength(3);
    expect(view.element.querySelectorAll('[data-testid="dag-edge"]')).toHaveLength(2);
    expect([...nodes].map((n) => [n.getAttribute('data-task-id'), n.getAttribute('data-status')])).toEqual([
      ['fetch_data', 'succeeded'],
      ['process', 'running'],
      ['report', 'unknown'],
    ]);
    view.update(new Map([['report', { status: 'failed' }]]));
    expect(view.element.querySelector('[data-task-id="report"]')!.getAttribute('data-status')).toBe('failed');
    expect(view.element.querySelector('[data-task-id="report"] rect')!.getAttribute('fill')).toBe('#d93025');
  });

  it('puts hostile task ids in as text, never as markup', () => {
    const view = renderDag(layoutDag([{ id: hostile, dependsOn: [] }]), new Map([[hostile, { status: 'failed', detail: hostile }]]));
    expect(view.element.querySelector('img')).toBeNull();
    const node = view.element.querySelector('[data-testid="dag-node"]')!;
    expect(node.getAttribute('data-task-id')).toBe(hostile);
    expect(node.querySelector('.dag-node-detail')!.textContent).toBe(hostile);
  });

  it('reports clicks with the task id and marks the selection', () => {
    const clicked: string[] = [];
    const view = renderDag(layoutDag([{ id: 'a', dependsOn: [] }]), new Map(), (id) => clicked.push(id));
    const node = view.element.querySelector('[data-testid="dag-node"]')!;
    node.dispatchEvent(new Event('click'));
    view.select('a');
    expect(clicked).toEqual(['a']);
    expect(node.classList.contains('selected')).toBe(true);
  });
});

describe('renderGrid and renderGantt', () => {
  it('links every cell to its run and escapes ids', () => {
    const grid = buildGrid([hostile], [{ runId: `${hostile}run`, status: 'failed', createdAt: '2026-11-22T08:00:00Z', tasks: [{ id: hostile, status: 'failed' }] }]);
    const element = renderGrid(grid);
    expect(element.querySelector('img')).toBeNull();
    const cell = element.querySelector('[data-testid="grid-cell"]')!;
    expect(cell.getAttribute('data-status')).toBe('failed');
    expect(cell.getAttribute('href')).toBe(`#/runs/${encodeURIComponent(`${hostile}run`)}`);
    expect(element.querySelector('[data-testid="grid-row"] th')!.textContent).toBe(hostile);
  });

  it('draws a bar per started task', () => {
    const gantt = computeGantt(
      [
        { id: hostile, status: 'succeeded', startedAt: '2026-11-22T08:00:00Z', finishedAt: '2026-11-22T08:00:01Z' },
        { id: 'later', status: 'pending', startedAt: null, finishedAt: null },
      ],
      new Map(),
      new Date('2026-11-22T08:00:05Z'),
    );
    const element = renderGantt(gantt);
    expect(element.querySelectorAll('[data-testid="gantt-bar"]')).toHaveLength(1);
    expect(element.querySelector('img')).toBeNull();
  });

  it('shows statuses as badges with data-status', () => {
    const badge = statusBadge('cancelled', 'run-status');
    expect(badge.getAttribute('data-status')).toBe('cancelled');
    expect(badge.getAttribute('data-testid')).toBe('run-status');
    expect(statusBadge(hostile).textContent).toBe(hostile);
  });
});
