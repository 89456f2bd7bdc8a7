// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, keyStore, listCircuits, type Circuit } from '../src/api';
import { circuitRow, circuitStateLabel } from '../src/pages/circuits';
import { href, parseRoute } from '../src/router';

function client(body: unknown, urls: string[]): ApiClient {
  const fetcher = (input: RequestInfo | URL): Promise<Response> => {
    urls.push(String(input));
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }));
  };
  return new ApiClient('', fetcher as typeof fetch);
}

const open: Circuit = {
  origin: 'http://backend:8080',
  state: 'open',
  failuresInWindow: 5,
  openedAt: '2026-12-05T03:00:00Z',
  retryAt: '2026-12-05T03:00:30Z',
};

describe('circuits', () => {
  beforeEach(() => sessionStorage.clear());

  it('lists the circuits from GET /api/circuits', async () => {
    keyStore.set('k');
    const urls: string[] = [];
    const list = await listCircuits(client({ items: [open] }, urls));
    expect(urls).toEqual(['/api/circuits']);
    expect(list.items[0]!.state).toBe('open');
  });

  it('shows origin, state, failures and times in a row', () => {
    const row = circuitRow(open, new Date('2026-12-05T03:00:10Z'));
    const cells = [...row.querySelectorAll('td')].map((td) => td.textContent ?? '');
    expect(row.dataset['origin']).toBe('http://backend:8080');
    expect(row.dataset['state']).toBe('open');
    expect(cells[0]).toBe('http://backend:8080');
    expect(cells[1]).toBe('open: calls held');
    expect(cells[2]).toBe('5');
    expect(cells[4]).not.toBe('–');
  });

  it('shows a closed circuit without times', () => {
    const row = circuitRow({ ...open, state: 'closed', failuresInWindow: 0, openedAt: null, retryAt: null }, new Date());
    const cells = [...row.querySelectorAll('td')].map((td) => td.textContent ?? '');
    expect([cells[1], cells[3], cells[4]]).toEqual(['closed', '–', '–']);
    expect(circuitStateLabel('half_open')).toBe('half-open: probing');
  });

  it('routes #/circuits both ways', () => {
    expect(parseRoute('#/circuits')).toEqual({ page: 'circuits' });
    expect(href({ page: 'circuits' })).toBe('#/circuits');
  });
});
