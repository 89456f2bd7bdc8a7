import { describe, expect, it } from 'vitest';
import { TASK_STATUSES, isFinal, statusColour, statusLabel, toStatus } from '../src/status';

describe('status mapping', () => {
  it('accepts every task status in any case', () => {
    for (const s of TASK_STATUSES) {
      expect(toStatus(s)).toBe(s);
      expect(toStatus(s.toUpperCase())).toBe(s);
    }
    expect(toStatus(' Succeeded ')).toBe('succeeded');
  });

  it('maps missing and unknown values to unknown', () => {
    expect(toStatus(null)).toBe('unknown');
    expect(toStatus(undefined)).toBe('unknown');
    expect(toStatus('cancelling')).toBe('unknown');
    expect(toStatus('__proto__')).toBe('unknown');
  });

  it('uses the agreed colours', () => {
    expect(statusColour('pending')).toBe('#9aa0a6');
    expect(statusColour('running')).toBe('#1a73e8');
    expect(statusColour('waiting')).toBe('#8e44ad');
    expect(statusColour('retrying')).toBe('#f5870a');
    expect(statusColour('succeeded')).toBe('#1e9e4a');
    expect(statusColour('failed')).toBe('#d93025');
    expect(statusColour('skipped')).toBe('#d0d4d8');
    expect(statusColour('cancelled')).toBe('#5f6368');
  });

  it('gives every status a distinct colour and a label', () => {
    const colours = new Set(TASK_STATUSES.map(statusColour));
    expect(colours.size).toBe(TASK_STATUSES.length);
    for (const s of TASK_STATUSES) expect(statusLabel(s).length).toBeGreaterThan(0);
  });

  it('knows which statuses are final', () => {
    expect(TASK_STATUSES.filter(isFinal)).toEqual(['succeeded', 'failed', 'skipped', 'cancelled']);
    expect(isFinal('unknown')).toBe(false);
  });
});
