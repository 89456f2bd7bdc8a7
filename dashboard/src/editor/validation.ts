// The editor's checking, without the editor: where the server's errors go in the text, and which answer is shown
// when the author types faster than the server answers.

import type { WorkflowError, WorkflowValidation } from '../api';

/** A marked range of the text (offsets into it), as the editor's lint layer takes it. */
export interface Mark {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  message: string;
  /** The server's position, as it said it (1-based). */
  line: number;
  column: number;
}

/**
 * Turns the server's errors (1-based line and column) into ranges of `text`: from the column to the end of the word
 * there (the whole rest of the line when it starts on a space), clamped to the text so a stale or out-of-range position
 * still marks something rather than throwing. Line 0 (an error about the whole document) marks the first line.
 */
export function marksFor(text: string, errors: readonly WorkflowError[]): Mark[] {
  const starts = lineStarts(text);
  return errors.map((e) => {
    const lineIndex = Math.min(Math.max(e.line, 1), starts.length) - 1;
    const lineStart = starts[lineIndex]!;
    const lineEnd = lineIndex + 1 < starts.length ? starts[lineIndex + 1]! - 1 : text.length;
    const content = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const end = lineStart + content.length;
    const from = Math.min(lineStart + Math.max(e.column, 1) - 1, end);
    const word = /^[^\s:,[\]{}]+/.exec(text.slice(from, end));
    const to = word ? from + word[0].length : end;
    // An error at the end of a line (or on an empty one) still gets a visible range: the last character, if any.
    const start = to === from && from > lineStart ? from - 1 : from;
    return { from: start, to, severity: 'error', message: e.message, line: e.line, column: e.column };
  });
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** What the author sees about the text being checked. */
export type CheckState =
  | { kind: 'checking' }
  | { kind: 'checked'; source: string; result: WorkflowValidation }
  | { kind: 'failed'; source: string; error: unknown };

/** A checker that waits for a pause in typing and shows only the answer about the latest text. */
export interface Checker {
  /** The text changed: check it after the pause (an earlier pending or running check is dropped). */
  change(source: string): void;
  /** Checks now, without waiting for the pause; resolves once its answer was handled (or dropped as stale). */
  flush(): Promise<void>;
  /** Stops: no more checks, and answers still on their way are dropped. */
  stop(): void;
}

/**
 * Debounces `validate` by `delayMs` and lets the latest text win: every change aborts the check in flight, and an answer
 * about any text but the newest is dropped even when it arrives after the newer one (a slow server, a reordered reply).
 */
export function createChecker(
  validate: (source: string, signal: AbortSignal) => Promise<WorkflowValidation>,
  show: (state: CheckState) => void,
  delayMs = 300,
  timers: { set: (fn: () => void, ms: number) => unknown; clear: (handle: unknown) => void } = {
    set: (fn, ms) => setTimeout(fn, ms),
    clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
): Checker {
  let latest = 0;
  let pending: unknown = null;
  let text = '';
  let inFlight: AbortController | null = null;
  let stopped = false;

  const run = async (): Promise<void> => {
    pending = null;
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    const ticket = ++latest;
    const source = text;
    try {
      const result = await validate(source, controller.signal);
      if (ticket === latest && !stopped) show({ kind: 'checked', source, result });
    } catch (error) {
      if (ticket === latest && !stopped && !controller.signal.aborted) show({ kind: 'failed', source, error });
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  };

  return {
    change(source: string): void {
      if (stopped) return;
      text = source;
      // A newer text makes every earlier answer stale at once, even before its own check starts.
      latest++;
      inFlight?.abort();
      if (pending !== null) timers.clear(pending);
      show({ kind: 'checking' });
      pending = timers.set(() => void run(), delayMs);
    },
    flush(): Promise<void> {
      if (stopped) return Promise.resolve();
      if (pending !== null) timers.clear(pending);
      return run();
    },
    stop(): void {
      stopped = true;
      if (pending !== null) timers.clear(pending);
      inFlight?.abort();
    },
  };
}
