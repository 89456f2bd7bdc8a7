// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { diffStats, fold, renderDiff, sideBySide, type DiffRow } from '../src/diff';

const v1 = ['id: demo', 'tasks:', '  - id: a', '    method: POST', '    url: http://x/a', ''].join('\n');
const v2 = ['id: demo', 'schedule: "0 3 * * *"', 'tasks:', '  - id: a', '    method: GET', '    url: http://x/a', ''].join('\n');

const describeRow = (r: DiffRow): string =>
  r.kind === 'gap' ? `gap ${r.count}` : `${r.kind} ${r.left ? `${r.left.n}:${r.left.text}` : '-'} | ${r.right ? `${r.right.n}:${r.right.text}` : '-'}`;

describe('sideBySide', () => {
  it('lines up unchanged lines, pairs a replaced line with its replacement and numbers both sides', () => {
    expect(sideBySide(v1, v2).map(describeRow)).toEqual([
      'same 1:id: demo | 1:id: demo',
      'added - | 2:schedule: "0 3 * * *"',
      'same 2:tasks: | 3:tasks:',
      'same 3:  - id: a | 4:  - id: a',
      'changed 4:    method: POST | 5:    method: GET',
      'same 5:    url: http://x/a | 6:    url: http://x/a',
    ]);
    expect(diffStats(sideBySide(v1, v2))).toEqual({ added: 2, removed: 1 });
  });

  it('shows more removed than added lines as removed rows, and identical texts as no change', () => {
    const rows = sideBySide('a\nb\nc\nd\n', 'a\nx\nd\n');
    expect(rows.map(describeRow)).toEqual(['same 1:a | 1:a', 'changed 2:b | 2:x', 'removed 3:c | -', 'same 4:d | 3:d']);
    expect(diffStats(sideBySide(v1, v1))).toEqual({ added: 0, removed: 0 });
  });
});

describe('fold', () => {
  it('folds long unchanged runs into a gap, keeping context around the change', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 10\n', 'line ten\n');
    const folded = fold(sideBySide(before, after), 2);
    expect(folded.map(describeRow)).toEqual([
      'gap 7',
      'same 8:line 8 | 8:line 8',
      'same 9:line 9 | 9:line 9',
      'changed 10:line 10 | 10:line ten',
      'same 11:line 11 | 11:line 11',
      'same 12:line 12 | 12:line 12',
      'gap 8',
    ]);
  });
});

describe('renderDiff', () => {
  it('renders both sides as text, never as markup', () => {
    const hostile = '<img src=x onerror="alert(1)">';
    const element = renderDiff(sideBySide('a: 1\n', `a: ${hostile}\n`), 'v1', 'v2');
    expect(element.querySelector('img')).toBeNull();
    const row = element.querySelector('[data-testid="diff-row"][data-kind="changed"]')!;
    expect(row.querySelector('[data-side="left"]')!.textContent).toBe('a: 1');
    expect(row.querySelector('[data-side="right"]')!.textContent).toBe(`a: ${hostile}`);
    expect(element.querySelector('[data-testid="diff-stats"]')!.textContent).toBe('+1 −1 lines');
    expect([...element.querySelectorAll('th')].map((t) => t.textContent)).toEqual(['v1', 'v2']);
  });
});
