// Two versions of a workflow side by side: a line diff (npm `diff`) laid out as rows of left and right lines, with long
// runs of unchanged lines folded.

import { diffLines } from 'diff';
import { h } from './dom';

/** One side of a row: the line's 1-based number and its text. */
export interface DiffLine {
  n: number;
  text: string;
}

/** A row of the side-by-side view; `changed` pairs a removed line with the added line that replaced it. */
export type DiffRow =
  | { kind: 'same' | 'changed'; left: DiffLine; right: DiffLine }
  | { kind: 'removed'; left: DiffLine; right: null }
  | { kind: 'added'; left: null; right: DiffLine }
  | { kind: 'gap'; count: number };

/** The rows of `before` against `after`: removed lines next to the added lines that follow them. */
export function sideBySide(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let left = 1;
  let right = 1;
  let removed: string[] = [];
  const pair = (added: string[]): void => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const l = removed[i];
      const r = added[i];
      if (l !== undefined && r !== undefined) rows.push({ kind: 'changed', left: { n: left++, text: l }, right: { n: right++, text: r } });
      else if (l !== undefined) rows.push({ kind: 'removed', left: { n: left++, text: l }, right: null });
      else if (r !== undefined) rows.push({ kind: 'added', left: null, right: { n: right++, text: r } });
    }
    removed = [];
  };
  for (const change of diffLines(before, after)) {
    const lines = splitLines(change.value);
    if (change.removed) {
      removed.push(...lines);
    } else if (change.added) {
      pair(lines);
    } else {
      pair([]);
      for (const text of lines) rows.push({ kind: 'same', left: { n: left++, text }, right: { n: right++, text } });
    }
  }
  pair([]);
  return rows;
}

/** Folds runs of unchanged lines longer than twice `context` into one gap row, keeping `context` lines around changes. */
export function fold(rows: readonly DiffRow[], context = 3): DiffRow[] {
  const result: DiffRow[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]!.kind !== 'same') {
      result.push(rows[i++]!);
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j]!.kind === 'same') j++;
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = j === rows.length ? 0 : context;
    if (j - i > keepBefore + keepAfter + 1) {
      result.push(...rows.slice(i, i + keepBefore), { kind: 'gap', count: j - i - keepBefore - keepAfter }, ...rows.slice(j - keepAfter, j));
    } else {
      result.push(...rows.slice(i, j));
    }
    i = j;
  }
  return result;
}

/** How many lines were added and removed (a changed line counts as both). */
export function diffStats(rows: readonly DiffRow[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const row of rows) {
    if (row.kind === 'added' || row.kind === 'changed') added++;
    if (row.kind === 'removed' || row.kind === 'changed') removed++;
  }
  return { added, removed };
}

/** The side-by-side table; texts go in as text nodes. */
export function renderDiff(rows: readonly DiffRow[], leftTitle: string, rightTitle: string): HTMLElement {
  const stats = diffStats(rows);
  const cells = (line: DiffLine | null, side: 'left' | 'right', kind: string): HTMLElement[] => [
    h('td', { class: 'diff-n' }, line ? line.n : ''),
    h('td', { class: `diff-text ${line ? kind : 'empty'}`, 'data-side': side }, line ? line.text : ''),
  ];
  const body = fold(rows).map((row) =>
    row.kind === 'gap'
      ? h('tr', { class: 'diff-gap', 'data-testid': 'diff-gap' }, h('td', { colspan: 4 }, `… ${row.count} unchanged line${row.count === 1 ? '' : 's'}`))
      : h('tr', { 'data-testid': 'diff-row', 'data-kind': row.kind }, ...cells(row.left, 'left', row.kind), ...cells(row.right, 'right', row.kind)),
  );
  return h(
    'div',
    { class: 'diff', 'data-testid': 'diff' },
    h('p', { class: 'muted small', 'data-testid': 'diff-stats' }, stats.added + stats.removed === 0 ? 'No differences.' : `+${stats.added} −${stats.removed} lines`),
    h(
      'table',
      { class: 'diff-table' },
      // A fixed layout takes its widths from the first row, whose headers span two columns: the columns say them instead.
      h('colgroup', null, h('col', { class: 'diff-n-col' }), h('col'), h('col', { class: 'diff-n-col' }), h('col')),
      h('thead', null, h('tr', null, h('th', { colspan: 2 }, leftTitle), h('th', { colspan: 2 }, rightTitle))),
      h('tbody', null, ...body),
    ),
  );
}

function splitLines(value: string): string[] {
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.replace(/\r$/, ''));
}
