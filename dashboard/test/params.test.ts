import { describe, expect, it } from 'vitest';
import { backfillRange, paramFields, readParams } from '../src/params';

describe('paramFields', () => {
  it('shows strings as they are, other defaults as JSON, and null as required', () => {
    expect(paramFields({ region: 'eu', limit: 25, dry: false, tags: ['a'], day: null })).toEqual([
      { name: 'region', text: 'eu', required: false, kind: 'string' },
      { name: 'limit', text: '25', required: false, kind: 'json' },
      { name: 'dry', text: 'false', required: false, kind: 'json' },
      { name: 'tags', text: '["a"]', required: false, kind: 'json' },
      { name: 'day', text: '', required: true, kind: 'string' },
    ]);
    expect(paramFields(null)).toEqual([]);
  });
});

describe('readParams', () => {
  const fields = paramFields({ region: 'eu', limit: 25, day: null });

  it('sends only what changed, typed like the default, and a required value', () => {
    const read = readParams(fields, new Map([['region', 'us'], ['limit', '30'], ['day', '2026-11-01']]));
    expect(read).toEqual({ values: { region: 'us', limit: 30, day: '2026-11-01' }, errors: [] });
    expect(readParams(fields, new Map([['day', 'x']])).values).toEqual({ day: 'x' });
  });

  it('names a missing required value and a number that is not JSON', () => {
    expect(readParams(fields, new Map([['limit', 'many']])).errors).toEqual(['limit must be JSON like its default 25', 'day is required']);
  });
});

describe('backfillRange', () => {
  it('reads datetime-local values as UTC', () => {
    expect(backfillRange('2026-11-01T00:00', '2026-11-03T12:30')).toEqual({ from: '2026-11-01T00:00:00Z', to: '2026-11-03T12:30:00Z' });
  });

  it('refuses a missing end and a reversed range', () => {
    expect(backfillRange('', '2026-11-03T00:00')).toEqual({ error: 'Give both ends of the range (UTC).' });
    expect(backfillRange('2026-11-03T00:00', '2026-11-01T00:00')).toEqual({ error: "'To' is before 'from'." });
  });
});
