import { describe, expect, it } from 'vitest';
import { computeLayers, countCrossings, edgesOf, layoutDag, type DagInput, type LaidNode } from '../src/dag/layout';
import { edgePath, truncate } from '../src/dag/render';

const dailyReport: DagInput[] = [
  { id: 'fetch_data', dependsOn: [] },
  { id: 'process', dependsOn: ['fetch_data'] },
  { id: 'report', dependsOn: ['process'] },
];

const diamond: DagInput[] = [
  { id: 'a', dependsOn: [] },
  { id: 'b', dependsOn: ['a'] },
  { id: 'c', dependsOn: ['a'] },
  { id: 'd', dependsOn: ['b', 'c'] },
];

function overlaps(a: LaidNode, b: LaidNode): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function expectNoOverlap(nodes: readonly LaidNode[]): void {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      expect(overlaps(nodes[i]!, nodes[j]!), `${nodes[i]!.id} overlaps ${nodes[j]!.id}`).toBe(false);
    }
  }
}

/** A seeded generator so random DAGs are the same on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomDag(size: number, seed: number): DagInput[] {
  const rnd = lcg(seed);
  const nodes: DagInput[] = [];
  for (let i = 0; i < size; i++) {
    const deps = new Set<string>();
    for (let j = 0; j < i; j++) if (rnd() < 0.2) deps.add(`t${j}`);
    nodes.push({ id: `t${i}`, dependsOn: [...deps] });
  }
  return nodes;
}

describe('computeLayers', () => {
  it('puts a chain in consecutive layers', () => {
    expect(Object.fromEntries(computeLayers(dailyReport))).toEqual({ fetch_data: 0, process: 1, report: 2 });
  });

  it('uses the longest path (a diamond and a shortcut edge)', () => {
    const layers = computeLayers([...diamond, { id: 'e', dependsOn: ['a', 'd'] }]);
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 1, d: 2, e: 3 });
  });

  it('ignores unknown dependencies and self loops, and does not hang on a cycle', () => {
    const layers = computeLayers([
      { id: 'x', dependsOn: ['missing', 'x'] },
      { id: 'p', dependsOn: ['q'] },
      { id: 'q', dependsOn: ['p'] },
    ]);
    expect(layers.get('x')).toBe(0);
    expect(layers.size).toBe(3);
  });

  it('handles a long chain without recursion limits', () => {
    const chain: DagInput[] = Array.from({ length: 5000 }, (_, i) => ({ id: `n${i}`, dependsOn: i === 0 ? [] : [`n${i - 1}`] }));
    expect(computeLayers(chain).get('n4999')).toBe(4999);
  });

  it('places every task after all its dependencies in random DAGs', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const dag = randomDag(25, seed);
      const layers = computeLayers(dag);
      for (const n of dag) for (const d of n.dependsOn) expect(layers.get(n.id)!).toBeGreaterThan(layers.get(d)!);
    }
  });
});

describe('layoutDag', () => {
  it('lays out daily-report as 3 nodes and 2 edges, left to right', () => {
    const layout = layoutDag(dailyReport);
    expect(layout.nodes).toHaveLength(3);
    expect(layout.edges).toHaveLength(2);
    expect(layout.layerCount).toBe(3);
    const [a, b, c] = layout.nodes;
    expect(a!.x).toBeLessThan(b!.x);
    expect(b!.x).toBeLessThan(c!.x);
    expectNoOverlap(layout.nodes);
  });

  it('has one edge per distinct known dependency', () => {
    const nodes: DagInput[] = [...diamond, { id: 'e', dependsOn: ['a', 'a', 'nope', 'd'] }];
    expect(edgesOf(nodes)).toHaveLength(6);
    expect(layoutDag(nodes).edges).toHaveLength(6);
  });

  it('routes an edge spanning layers through bend points', () => {
    const layout = layoutDag([...diamond, { id: 'e', dependsOn: ['a', 'd'] }]);
    const long = layout.edges.find((e) => e.from === 'a' && e.to === 'e')!;
    // Source, a straight run across layers 1 and 2 (two points each), target.
    expect(long.points).toHaveLength(6);
    expect(long.points[1]!.y).toBe(long.points[2]!.y);
    expect(long.points[2]!.x - long.points[1]!.x).toBe(168);
    const short = layout.edges.find((e) => e.from === 'd' && e.to === 'e')!;
    expect(short.points).toHaveLength(2);
  });

  it('starts edges at the source and ends them at the target', () => {
    const layout = layoutDag(diamond);
    const byId = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const edge of layout.edges) {
      const from = byId.get(edge.from)!;
      const to = byId.get(edge.to)!;
      const first = edge.points[0]!;
      const last = edge.points[edge.points.length - 1]!;
      expect(first.x).toBe(from.x + from.width);
      expect(first.y).toBeCloseTo(from.y + from.height / 2);
      expect(last.x).toBe(to.x);
      expect(last.y).toBeCloseTo(to.y + to.height / 2);
    }
  });

  it('removes crossings that the given order creates', () => {
    // a1 feeds b2 and a2 feeds b1; in the given order the two edges cross.
    const nodes: DagInput[] = [
      { id: 'a1', dependsOn: [] },
      { id: 'a2', dependsOn: [] },
      { id: 'b1', dependsOn: ['a2'] },
      { id: 'b2', dependsOn: ['a1'] },
    ];
    expect(countCrossings([['a1', 'a2'], ['b1', 'b2']], edgesOf(nodes))).toBe(1);
    const layout = layoutDag(nodes);
    expect(layout.crossings).toBe(0);
    const y = (id: string): number => layout.nodes.find((n) => n.id === id)!.y;
    expect(Math.sign(y('a1') - y('a2'))).toBe(Math.sign(y('b2') - y('b1')));
  });

  it('never overlaps nodes and keeps layer order in random DAGs', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const dag = randomDag(20, seed);
      const layout = layoutDag(dag);
      expect(layout.nodes).toHaveLength(dag.length);
      expect(layout.edges).toHaveLength(edgesOf(dag).length);
      expectNoOverlap(layout.nodes);
      const byId = new Map(layout.nodes.map((n) => [n.id, n]));
      for (const e of layout.edges) expect(byId.get(e.from)!.x).toBeLessThan(byId.get(e.to)!.x);
      for (const n of layout.nodes) {
        expect(n.x).toBeGreaterThanOrEqual(0);
        expect(n.y).toBeGreaterThanOrEqual(0);
        expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
        expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
      }
    }
  });

  it('centres a fan-out source between the tasks it feeds and a join between its inputs', () => {
    const layout = layoutDag([
      { id: 'extract', dependsOn: [] },
      { id: 'a', dependsOn: ['extract'] },
      { id: 'b', dependsOn: ['extract'] },
      { id: 'c', dependsOn: ['extract'] },
      { id: 'load', dependsOn: ['a', 'b', 'c'] },
    ]);
    const mid = (id: string): number => {
      const n = layout.nodes.find((x) => x.id === id)!;
      return n.y + n.height / 2;
    };
    expect(mid('extract')).toBeCloseTo(mid('b'));
    expect(mid('load')).toBeCloseTo(mid('b'));
    expect(mid('a')).toBeLessThan(mid('b'));
    expect(mid('c')).toBeGreaterThan(mid('b'));
    expect(Math.min(...layout.nodes.map((n) => n.y))).toBe(16);
  });

  it('is empty for no tasks', () => {
    const layout = layoutDag([]);
    expect(layout.nodes).toEqual([]);
    expect(layout.width).toBe(0);
  });

  it('keeps the caller order of nodes in its output', () => {
    expect(layoutDag(diamond).nodes.map((n) => n.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('edge paths', () => {
  it('draws one curve per segment', () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 20 }])).toBe('M 0 0 C 5 0 5 20 10 20');
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: 10 }])).toBe('M 0 0 L 10 0 C 15 0 15 10 20 10');
    expect(edgePath([])).toBe('');
  });

  it('truncates long task ids', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a_very_long_task_identifier', 10)).toBe('a_very_lo…');
  });
});
