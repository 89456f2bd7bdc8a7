// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPolling } from '../src/poll';

function setHidden(hidden: boolean): void {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('startPolling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setHidden(false);
  });
  afterEach(() => vi.useRealTimers());

  it('ticks at once and then every interval', async () => {
    const tick = vi.fn(() => Promise.resolve(true));
    const poller = startPolling(tick, 1000);
    await vi.advanceTimersByTimeAsync(3500);
    expect(tick).toHaveBeenCalledTimes(4);
    poller.stop();
  });

  it('stops when the tick reports the data is final, and refresh starts again', async () => {
    let calls = 0;
    const poller = startPolling(() => Promise.resolve(++calls < 2), 1000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(2);
    poller.refresh();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(3);
    poller.stop();
  });

  it('pauses while the page is hidden and resumes when it is shown', async () => {
    const tick = vi.fn(() => Promise.resolve(true));
    const poller = startPolling(tick, 1000);
    await vi.advanceTimersByTimeAsync(0);
    setHidden(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);
    setHidden(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(tick).toHaveBeenCalledTimes(2);
    poller.stop();
  });

  it('never overlaps a slow tick and keeps polling after a failure', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const poller = startPolling(async () => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 2500));
      active--;
      if (calls === 1) throw new Error('transient');
      return true;
    }, 1000);
    poller.refresh();
    await vi.advanceTimersByTimeAsync(12_000);
    expect(maxActive).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(3);
    poller.stop();
  });

  it('runs once more right after a tick when refreshed during it, and asks a function for the interval', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const poller = startPolling(async () => {
      calls++;
      if (calls === 1) await new Promise<void>((r) => (release = r));
      return true;
    }, () => 60_000);
    await vi.advanceTimersByTimeAsync(0);
    poller.refresh();
    poller.refresh();
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(3);
    poller.stop();
  });

  it('does nothing after stop', async () => {
    const tick = vi.fn(() => Promise.resolve(true));
    const poller = startPolling(tick, 1000);
    poller.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(1);
  });
});
