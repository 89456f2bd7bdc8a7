// Renders a laid-out DAG as SVG; node colours follow task status and can be updated in place.

import { s } from '../dom';
import { isLightStatus, statusColour, statusLabel, type Status } from '../status';
import type { Layout, Point } from './layout';

export interface NodeState {
  status: Status;
  /** A second line under the id: attempt, duration... */
  detail?: string;
  /** A forEach task: drawn as a stack of cards (one task, many instances). */
  fanOut?: boolean;
  /** A forEach task's instances by status: a thin bar along the node's foot, one segment per status. */
  progress?: ReadonlyArray<{ status: Status; count: number }>;
}

export interface DagView {
  element: SVGSVGElement;
  /** Recolours nodes and rewrites their detail line without rebuilding the graph. */
  update(states: ReadonlyMap<string, NodeState>): void;
  /** Highlights one node (the inspected task). */
  select(taskId: string | null): void;
}

let instances = 0;

/** Builds the SVG of a layout; `onSelect` is called with a task id when a node is clicked or activated by keyboard. */
export function renderDag(layout: Layout, states: ReadonlyMap<string, NodeState>, onSelect?: (taskId: string) => void): DagView {
  const markerId = `loom-arrow-${++instances}`;
  const width = Math.max(layout.width, 120);
  const height = Math.max(layout.height, 60);
  const svg = s('svg', {
    class: 'dag',
    'data-testid': 'dag',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Workflow graph with ${layout.nodes.length} tasks`,
  });
  svg.appendChild(
    s('defs', null, s('marker', { id: markerId, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'dag-arrow' }))),
  );

  const edgeGroup = s('g', { class: 'dag-edges' });
  for (const edge of layout.edges) {
    edgeGroup.appendChild(
      s('path', {
        'data-testid': 'dag-edge',
        'data-from': edge.from,
        'data-to': edge.to,
        class: edge.back ? 'dag-edge back' : 'dag-edge',
        d: edgePath(edge.points),
        'marker-end': `url(#${markerId})`,
      }),
    );
  }
  svg.appendChild(edgeGroup);

  const nodes = new Map<string, { group: SVGGElement; rect: SVGRectElement; title: SVGTitleElement; detail: SVGTextElement; label: SVGTextElement; stack: SVGPathElement; bar: SVGGElement; width: number; height: number }>();
  const nodeGroup = s('g', { class: 'dag-nodes' });
  for (const node of layout.nodes) {
    const title = s('title');
    const rect = s('rect', { width: node.width, height: node.height, rx: 6, ry: 6, class: 'dag-node-box' });
    const label = s('text', { x: 10, y: 17, class: 'dag-node-label' }, truncate(node.id, Math.floor((node.width - 20) / 7.2)));
    const detail = s('text', { x: 10, y: 32, class: 'dag-node-detail' });
    // The card behind a forEach task's box and its instances' bar: drawn only for such a task (see update).
    // A path, not a rect: the node's first rect stays its box.
    const stack = s('path', { d: roundedRect(4, 4, node.width, node.height, 6), class: 'dag-node-stack', 'data-testid': 'dag-node-stack' });
    const bar = s('g', { class: 'dag-node-progress', 'data-testid': 'dag-node-progress' });
    const group = s(
      'g',
      {
        'data-testid': 'dag-node',
        'data-task-id': node.id,
        class: 'dag-node',
        transform: `translate(${node.x},${node.y})`,
        tabindex: 0,
        role: 'button',
      },
      title,
      stack,
      rect,
      label,
      detail,
      bar,
    );
    if (onSelect) {
      group.addEventListener('click', () => onSelect(node.id));
      group.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(node.id);
        }
      });
    }
    nodes.set(node.id, { group, rect, title, detail, label, stack, bar, width: node.width, height: node.height });
    nodeGroup.appendChild(group);
  }
  svg.appendChild(nodeGroup);

  const update = (next: ReadonlyMap<string, NodeState>): void => {
    for (const [id, parts] of nodes) {
      const state = next.get(id) ?? { status: 'unknown' as Status };
      parts.group.setAttribute('data-status', state.status);
      parts.rect.setAttribute('fill', statusColour(state.status));
      const light = isLightStatus(state.status);
      parts.label.setAttribute('fill', light ? '#202124' : '#ffffff');
      parts.detail.setAttribute('fill', light ? '#3c4043' : '#f1f3f4');
      parts.detail.textContent = state.detail ?? statusLabel(state.status);
      parts.title.textContent = `${id} — ${statusLabel(state.status)}${state.detail ? ` (${state.detail})` : ''}`;
      const fanOut = state.fanOut === true || state.progress !== undefined;
      parts.stack.style.display = fanOut ? '' : 'none';
      if (fanOut) parts.group.setAttribute('data-fan-out', 'true');
      else parts.group.removeAttribute('data-fan-out');
      drawProgress(parts.bar, state.progress ?? [], parts.width, parts.height);
    }
  };
  update(states);

  return {
    element: svg,
    update,
    select(taskId: string | null): void {
      for (const [id, parts] of nodes) parts.group.classList.toggle('selected', id === taskId);
    },
  };
}

/** The instances' bar along a node's foot: segments as wide as their share of the instances, in the order given. */
function drawProgress(bar: SVGGElement, progress: ReadonlyArray<{ status: Status; count: number }>, width: number, height: number): void {
  while (bar.firstChild) bar.removeChild(bar.firstChild);
  const total = progress.reduce((sum, p) => sum + Math.max(0, p.count), 0);
  if (total === 0) return;
  const inner = width - 12;
  bar.appendChild(s('rect', { x: 6, y: height - 6, width: inner, height: 3, class: 'dag-node-progress-track' }));
  let x = 6;
  for (const p of progress) {
    if (p.count <= 0) continue;
    const w = (inner * p.count) / total;
    bar.appendChild(s('rect', { x: round(x), y: height - 6, width: round(w), height: 3, fill: statusColour(p.status), 'data-status': p.status, 'data-count': p.count }));
    x += w;
  }
}

/** The outline of a rectangle with rounded corners, as a path. */
function roundedRect(x: number, y: number, w: number, h: number, r: number): string {
  return `M ${x + r} ${y} H ${x + w - r} A ${r} ${r} 0 0 1 ${x + w} ${y + r} V ${y + h - r} A ${r} ${r} 0 0 1 ${x + w - r} ${y + h} H ${x + r} A ${r} ${r} 0 0 1 ${x} ${y + h - r} V ${y + r} A ${r} ${r} 0 0 1 ${x + r} ${y} Z`;
}

/** An SVG path through the points: straight where level, else a curve with horizontal tangents at both ends. */
export function edgePath(points: readonly Point[]): string {
  const first = points[0];
  if (!first) return '';
  let d = `M ${round(first.x)} ${round(first.y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (a.y === b.y) {
      d += ` L ${round(b.x)} ${round(b.y)}`;
      continue;
    }
    const dx = (b.x - a.x) / 2;
    d += ` C ${round(a.x + dx)} ${round(a.y)} ${round(b.x - dx)} ${round(b.y)} ${round(b.x)} ${round(b.y)}`;
  }
  return d;
}

/** Cuts text to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
