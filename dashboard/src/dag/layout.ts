// A small layered (Sugiyama-style) layout for workflow DAGs, left to right:
// longest-path layers, dummy nodes on long edges, barycenter sweeps to reduce crossings, then coordinates.

export interface DagInput {
  id: string;
  dependsOn: readonly string[];
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  /** Horizontal space between layers. */
  layerGap: number;
  /** Vertical space between nodes of a layer. */
  nodeGap: number;
  margin: number;
  /** Barycenter sweeps (each is one pass down and one up). */
  sweeps: number;
}

export interface LaidNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface LaidEdge {
  from: string;
  to: string;
  /** From the source's right side, across the columns it spans (two points each), to the target's left side. */
  points: Point[];
  /** True for an edge that closes a cycle (should not happen in a valid workflow). */
  back: boolean;
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
  layerCount: number;
  crossings: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 168,
  nodeHeight: 40,
  layerGap: 72,
  nodeGap: 22,
  margin: 16,
  sweeps: 6,
};

interface Vertex {
  key: string;
  /** The task id, or null for a dummy bend point of a long edge. */
  task: string | null;
  layer: number;
}

/** Edges of the graph, deduplicated, ignoring unknown dependencies and self loops. */
export function edgesOf(nodes: readonly DagInput[]): Array<{ from: string; to: string }> {
  const ids = new Set(nodes.map((n) => n.id));
  const seen = new Set<string>();
  const edges: Array<{ from: string; to: string }> = [];
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      const key = `${dep}\u0000${node.id}`;
      if (!ids.has(dep) || dep === node.id || seen.has(key)) continue;
      seen.add(key);
      edges.push({ from: dep, to: node.id });
    }
  }
  return edges;
}

/** Longest-path layers: a task sits one layer after its deepest dependency; roots are layer 0. Cycles are cut, not followed. */
export function computeLayers(nodes: readonly DagInput[]): Map<string, number> {
  const preds = new Map<string, string[]>();
  for (const n of nodes) preds.set(n.id, []);
  for (const e of edgesOf(nodes)) preds.get(e.to)?.push(e.from);
  const layers = new Map<string, number>();
  const visiting = new Set<string>();

  const visit = (root: string): void => {
    // Iterative DFS so a long chain cannot overflow the stack.
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    visiting.add(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const ps = preds.get(frame.id) ?? [];
      if (frame.next < ps.length) {
        const p = ps[frame.next++]!;
        if (!layers.has(p) && !visiting.has(p)) {
          visiting.add(p);
          stack.push({ id: p, next: 0 });
        }
        continue;
      }
      let layer = 0;
      for (const p of ps) {
        const pl = layers.get(p);
        if (pl !== undefined) layer = Math.max(layer, pl + 1);
      }
      layers.set(frame.id, layer);
      visiting.delete(frame.id);
      stack.pop();
    }
  };

  for (const n of nodes) if (!layers.has(n.id)) visit(n.id);
  return layers;
}

/** Crossings between adjacent layers for the given order (each segment joins layer l to l+1). */
export function countCrossings(order: readonly (readonly string[])[], segments: ReadonlyArray<{ from: string; to: string }>): number {
  const position = new Map<string, { layer: number; index: number }>();
  order.forEach((keys, layer) => keys.forEach((key, index) => position.set(key, { layer, index })));
  const byLayer = new Map<number, Array<[number, number]>>();
  for (const seg of segments) {
    const a = position.get(seg.from);
    const b = position.get(seg.to);
    if (!a || !b || b.layer !== a.layer + 1) continue;
    const list = byLayer.get(a.layer) ?? [];
    list.push([a.index, b.index]);
    byLayer.set(a.layer, list);
  }
  let crossings = 0;
  for (const list of byLayer.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [a1, b1] = list[i]!;
        const [a2, b2] = list[j]!;
        if ((a1 - a2) * (b1 - b2) < 0) crossings++;
      }
    }
  }
  return crossings;
}

/** Lays out a DAG; nodes keep the given order where nothing better is found. */
export function layoutDag(nodes: readonly DagInput[], options: Partial<LayoutOptions> = {}): Layout {
  const o: LayoutOptions = { ...DEFAULT_LAYOUT, ...options };
  const layers = computeLayers(nodes);
  const edges = edgesOf(nodes);
  const layerCount = nodes.length === 0 ? 0 : Math.max(...layers.values()) + 1;

  // Vertices per layer: the tasks, then dummy bend points of edges spanning more than one layer.
  const vertices = new Map<string, Vertex>();
  const order: string[][] = Array.from({ length: layerCount }, () => []);
  for (const n of nodes) {
    const layer = layers.get(n.id) ?? 0;
    const key = `t:${n.id}`;
    vertices.set(key, { key, task: n.id, layer });
    order[layer]!.push(key);
  }
  const segments: Array<{ from: string; to: string }> = [];
  const chains: Array<{ from: string; to: string; keys: string[]; back: boolean }> = [];
  edges.forEach((edge, index) => {
    const fromLayer = layers.get(edge.from) ?? 0;
    const toLayer = layers.get(edge.to) ?? 0;
    const keys = [`t:${edge.from}`];
    const back = toLayer <= fromLayer;
    if (!back) {
      for (let l = fromLayer + 1; l < toLayer; l++) {
        const key = `d:${index}:${l}`;
        vertices.set(key, { key, task: null, layer: l });
        order[l]!.push(key);
        keys.push(key);
      }
    }
    keys.push(`t:${edge.to}`);
    if (!back) for (let i = 0; i + 1 < keys.length; i++) segments.push({ from: keys[i]!, to: keys[i + 1]! });
    chains.push({ from: edge.from, to: edge.to, keys, back });
  });

  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const key of vertices.keys()) {
    preds.set(key, []);
    succs.set(key, []);
  }
  for (const seg of segments) {
    succs.get(seg.from)!.push(seg.to);
    preds.get(seg.to)!.push(seg.from);
  }

  // Barycenter sweeps; keep the best order seen.
  let best = order.map((l) => [...l]);
  let bestCrossings = countCrossings(best, segments);
  let current = order.map((l) => [...l]);
  for (let sweep = 0; sweep < o.sweeps && bestCrossings > 0; sweep++) {
    for (let l = 1; l < layerCount; l++) current[l] = reorder(current[l]!, current[l - 1]!, preds);
    for (let l = layerCount - 2; l >= 0; l--) current[l] = reorder(current[l]!, current[l + 1]!, succs);
    const crossings = countCrossings(current, segments);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = current.map((l) => [...l]);
    }
  }

  // Coordinates: layers are columns. Within a column, vertices keep their order and move toward the mean of their
  // neighbours (predecessors on the way down, successors on the way up) without coming closer than their separation.
  // Bend points of long edges are thin, so they take little room.
  const half = (key: string): number => (vertices.get(key)!.task === null ? 4 : o.nodeHeight / 2);
  const separation = (a: string, b: string): number => {
    const real = vertices.get(a)!.task !== null && vertices.get(b)!.task !== null;
    return half(a) + half(b) + (real ? o.nodeGap : o.nodeGap / 2);
  };
  const centreY = new Map<string, number>();
  for (const keys of best) {
    let y = 0;
    keys.forEach((key, i) => {
      if (i > 0) y += separation(keys[i - 1]!, key);
      centreY.set(key, y);
    });
  }
  const place = (keys: readonly string[], neighbours: Map<string, string[]>): void => {
    if (keys.length === 0) return;
    const desired = keys.map((key) => {
      const ys = (neighbours.get(key) ?? []).map((n) => centreY.get(n)).filter((y): y is number => y !== undefined);
      return ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : centreY.get(key)!;
    });
    const placed: number[] = [];
    desired.forEach((d, i) => placed.push(i === 0 ? d : Math.max(d, placed[i - 1]! + separation(keys[i - 1]!, keys[i]!))));
    // Shift the column so it sits centred on where its vertices wanted to be; the spacing is unchanged.
    const shift = placed.reduce((sum, y, i) => sum + (y - desired[i]!), 0) / placed.length;
    keys.forEach((key, i) => centreY.set(key, placed[i]! - shift));
  };
  for (let pass = 0; pass < 4; pass++) {
    for (let l = 1; l < layerCount; l++) place(best[l]!, preds);
    for (let l = layerCount - 2; l >= 0; l--) place(best[l]!, succs);
  }
  for (let l = 1; l < layerCount; l++) place(best[l]!, preds);
  const minTop = Math.min(...[...centreY].map(([key, y]) => y - half(key)));
  const top = Number.isFinite(minTop) ? o.margin - minTop : o.margin;

  const laidNodes: LaidNode[] = [];
  const layerX = (layer: number): number => o.margin + layer * (o.nodeWidth + o.layerGap);
  best.forEach((keys, layer) => {
    keys.forEach((key, index) => {
      const v = vertices.get(key)!;
      if (v.task === null) return;
      laidNodes.push({
        id: v.task,
        layer,
        order: index,
        x: layerX(layer),
        y: centreY.get(key)! + top - o.nodeHeight / 2,
        width: o.nodeWidth,
        height: o.nodeHeight,
      });
    });
  });
  // Keep the caller's task order in the output so renders are stable.
  const rank = new Map(nodes.map((n, i) => [n.id, i]));
  laidNodes.sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));

  const laidEdges: LaidEdge[] = chains.map((chain) => {
    // A bend point crosses its layer's column as a straight segment, so the curves stay in the gaps between columns.
    const points: Point[] = chain.keys.flatMap((key, i) => {
      const v = vertices.get(key)!;
      const y = centreY.get(key)! + top;
      const x = layerX(v.layer);
      if (v.task === null) return [{ x, y }, { x: x + o.nodeWidth, y }];
      return [i === 0 ? { x: x + o.nodeWidth, y } : { x, y }];
    });
    return { from: chain.from, to: chain.to, points, back: chain.back };
  });

  const maxY = Math.max(0, ...[...centreY].map(([key, y]) => y + top + half(key)));
  return {
    nodes: laidNodes,
    edges: laidEdges,
    width: layerCount === 0 ? 0 : layerX(layerCount - 1) + o.nodeWidth + o.margin,
    height: nodes.length === 0 ? 0 : maxY + o.margin,
    layerCount,
    crossings: bestCrossings,
  };
}

function reorder(layer: readonly string[], neighbourLayer: readonly string[], neighbours: Map<string, string[]>): string[] {
  const index = new Map(neighbourLayer.map((key, i) => [key, i]));
  const keyed = layer.map((key, i) => {
    const positions = (neighbours.get(key) ?? []).map((n) => index.get(n)).filter((p): p is number => p !== undefined);
    // A vertex with no neighbours on that side keeps its place.
    const bary = positions.length > 0 ? positions.reduce((a, b) => a + b, 0) / positions.length : i;
    return { key, bary, i };
  });
  keyed.sort((a, b) => a.bary - b.bary || a.i - b.i);
  return keyed.map((k) => k.key);
}
