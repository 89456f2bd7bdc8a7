// Polling that stops while the page is hidden and when the caller says the data is final.

export interface Poller {
  /** Stops for good. */
  stop(): void;
  /** Runs a tick now (after an action such as cancel). */
  refresh(): void;
}

/**
 * Calls `tick` now and then every `intervalMs` (a number, or asked anew each time) after the previous tick finished (never overlapping);
 * `tick` returns false to stop polling (the run reached a final status). Pauses while the document is hidden.
 */
export function startPolling(tick: () => Promise<boolean>, intervalMs: number | (() => number)): Poller {
  let stopped = false;
  let done = false;
  let running = false;
  // A refresh asked for while a tick runs: that tick may have read the data before the change, so one more follows at once.
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (): void => {
    if (stopped || document.hidden) return;
    clearTimeout(timer);
    if (again) {
      again = false;
      void run();
      return;
    }
    if (done) return;
    timer = setTimeout(() => void run(), typeof intervalMs === 'number' ? intervalMs : intervalMs());
  };

  const run = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    clearTimeout(timer);
    try {
      const more = await tick();
      if (!more) done = true;
    } catch {
      // The tick shows its own errors; keep polling so a transient failure heals itself.
    } finally {
      running = false;
    }
    schedule();
  };

  const onVisibility = (): void => {
    if (document.hidden) clearTimeout(timer);
    else if (!done) void run();
  };
  document.addEventListener('visibilitychange', onVisibility);
  void run();

  return {
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
    refresh(): void {
      done = false;
      void run();
    },
  };
}
