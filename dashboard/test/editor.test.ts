import { describe, expect, it } from 'vitest';
import type { WorkflowValidation } from '../src/api';
import { createChecker, marksFor, type CheckState } from '../src/editor/validation';

const source = ['id: demo', 'tasks:', '  - id: a', '    method: FETCH', '    url: http://x/a', ''].join('\n');

describe('marksFor', () => {
  it('marks the word at the line and column the server gave', () => {
    const [mark] = marksFor(source, [{ line: 4, column: 13, message: "method 'FETCH' is not supported", path: 'tasks[0].method' }]);
    expect(source.slice(mark!.from, mark!.to)).toBe('FETCH');
    expect(mark).toMatchObject({ line: 4, column: 13, severity: 'error' });
  });

  it('marks the rest of the line when the column is on a space, and stays inside the line', () => {
    const [mark] = marksFor(source, [{ line: 3, column: 3, message: 'x', path: null }]);
    expect(source.slice(mark!.from, mark!.to)).toBe('-');
    const [past] = marksFor(source, [{ line: 2, column: 99, message: 'past the end', path: null }]);
    // The last character of "tasks:", never the line break or the next line.
    expect(source.slice(past!.from, past!.to)).toBe(':');
  });

  it('clamps lines out of range and treats line 0 as the first line', () => {
    const [zero, beyond] = marksFor(source, [
      { line: 0, column: 0, message: 'the document', path: null },
      { line: 40, column: 1, message: 'beyond', path: null },
    ]);
    expect(source.slice(zero!.from, zero!.to)).toBe('id');
    // The last line is empty: a zero-width mark at the very end, which the editor still shows.
    expect([beyond!.from, beyond!.to]).toEqual([source.length, source.length]);
  });

  it('handles CRLF line ends and an empty text', () => {
    const crlf = 'id: a\r\ntasks: 5\r\n';
    const [mark] = marksFor(crlf, [{ line: 2, column: 8, message: 'not a list', path: 'tasks' }]);
    expect(crlf.slice(mark!.from, mark!.to)).toBe('5');
    expect(marksFor('', [{ line: 1, column: 1, message: 'empty', path: null }])[0]).toMatchObject({ from: 0, to: 0 });
  });
});

/** A fake clock for the debounce: timers run only when the test says so. */
function fakeTimers() {
  let next = 1;
  const pending = new Map<number, () => void>();
  return {
    timers: { set: (fn: () => void) => (pending.set(next, fn), next++), clear: (handle: unknown) => void pending.delete(handle as number) },
    count: () => pending.size,
    fire(): void {
      const all = [...pending.values()];
      pending.clear();
      for (const fn of all) fn();
    },
  };
}

const valid = (id: string): WorkflowValidation => ({ valid: true, id, errorCount: 0, errors: [], warnings: [] });

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('createChecker', () => {
  it('waits for a pause in typing and checks only the last text', async () => {
    const clock = fakeTimers();
    const asked: string[] = [];
    const shown: CheckState[] = [];
    const checker = createChecker(async (s) => (asked.push(s), valid(s)), (s) => shown.push(s), 300, clock.timers);
    checker.change('a');
    checker.change('ab');
    checker.change('abc');
    expect(clock.count()).toBe(1);
    clock.fire();
    await Promise.resolve();
    await Promise.resolve();
    expect(asked).toEqual(['abc']);
    expect(shown.at(-1)).toEqual({ kind: 'checked', source: 'abc', result: valid('abc') });
  });

  it('drops an answer about an older text even when it arrives last, and aborts its request', async () => {
    const clock = fakeTimers();
    const calls: Array<{ source: string; signal: AbortSignal; answer: ReturnType<typeof deferred<WorkflowValidation>> }> = [];
    const shown: CheckState[] = [];
    const checker = createChecker(
      (source, signal) => {
        const answer = deferred<WorkflowValidation>();
        calls.push({ source, signal, answer });
        return answer.promise;
      },
      (s) => shown.push(s),
      300,
      clock.timers,
    );
    checker.change('old');
    clock.fire();
    checker.change('new');
    clock.fire();
    expect(calls.map((c) => c.source)).toEqual(['old', 'new']);
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[1]!.answer.resolve(valid('new'));
    await new Promise((r) => setTimeout(r, 0));
    // The slow answer about 'old' comes after the one about 'new': it must not replace it.
    calls[0]!.answer.resolve({ valid: false, id: null, errorCount: 1, errors: [{ line: 1, column: 1, message: 'stale', path: null }], warnings: [] });
    await new Promise((r) => setTimeout(r, 0));
    const checked = shown.filter((s) => s.kind === 'checked');
    expect(checked).toHaveLength(1);
    expect(checked[0]).toMatchObject({ source: 'new' });
  });

  it('drops an answer that arrives after a newer change started waiting', async () => {
    const clock = fakeTimers();
    const answer = deferred<WorkflowValidation>();
    const shown: CheckState[] = [];
    const checker = createChecker(() => answer.promise, (s) => shown.push(s), 300, clock.timers);
    checker.change('first');
    clock.fire();
    checker.change('second');
    answer.resolve(valid('first'));
    await new Promise((r) => setTimeout(r, 0));
    expect(shown.map((s) => s.kind)).toEqual(['checking', 'checking']);
  });

  it('reports a failed check of the latest text, but not an aborted one, and nothing after stop', async () => {
    const clock = fakeTimers();
    const shown: CheckState[] = [];
    let fail = true;
    const checker = createChecker(async (s) => {
      if (fail) throw new Error('503');
      return valid(s);
    }, (s) => shown.push(s), 300, clock.timers);
    checker.change('x');
    await checker.flush();
    expect(shown.at(-1)).toMatchObject({ kind: 'failed', source: 'x' });
    fail = false;
    checker.change('y');
    checker.stop();
    clock.fire();
    await checker.flush();
    expect(shown.at(-1)).toEqual({ kind: 'checking' });
  });
});
