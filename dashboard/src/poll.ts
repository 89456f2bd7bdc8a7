// Polling that stops while the page is hidden and when the caller says the data is final.

export interface Poller {
  /** Stops for good. */
  stop(): void;
  /** Runs a tick now (after an action such as cancel). */
  refresh(): void;
}

/**
 * Calls `tick` now and then every `intervalMs` after the previous tick finished (never overlapping);
 * `tick` returns false to stop polling (the run reached a final status). Pauses while the document is hidden.
 */
export function startPolling(tick: () => Promise<boolean>, intervalMs: number): Poller {
  let stopped = false;
  let done = false;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (): void => {
    if (stopped || done || document.hidden) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), intervalMs);
  };

  const run = async (): Promise<void> => {
    if (stopped || running) return;
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
