import { describe, expect, it } from 'vitest';
import { keyStore, type RunEvent } from '../src/api';
import { followRunStream, SseParser } from '../src/live';

// Node has fetch's Response and streams but no sessionStorage, where the key lives.
const stored = new Map<string, string>();
Object.assign(globalThis, {
  sessionStorage: {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v),
    removeItem: (k: string) => void stored.delete(k),
  },
});

function sseResponse(chunks: string[], status = 200): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const encoder = new TextEncoder();
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
}

function event(sequence: number, type = 'TaskStarted'): string {
  return `id: ${sequence}\ndata: ${JSON.stringify({ sequence, timestamp: '2026-12-05T10:00:00Z', type, taskId: 'a', data: null })}\n\n`;
}

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > 2000) reject(new Error('timed out'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('SseParser', () => {
  it('assembles frames cut anywhere, skips comments and keeps ids and event names', () => {
    const parser = new SseParser();
    const text = `retry: 1000\n\n: keep-alive\n\n${event(0)}${event(7)}event: end\ndata: {"runId":"r"}\n\n`;
    const frames = [...text].flatMap((ch) => parser.push(ch));
    expect(frames.map((f) => [f.event, f.id])).toEqual([
      ['message', '0'],
      ['message', '7'],
      ['end', '7'],
    ]);
    expect((JSON.parse(frames[1]!.data) as RunEvent).sequence).toBe(7);
  });

  it('accepts CRLF line ends and multi-line data', () => {
    const frames = new SseParser().push('data: a\r\ndata: b\r\n\r\n');
    expect(frames).toEqual([{ event: 'message', id: null, data: 'a\nb' }]);
  });
});

describe('followRunStream', () => {
  it('delivers events in order, then the end, sending the key', async () => {
    keyStore.set('k-1');
    const seen: number[] = [];
    let ended = false;
    const headers: Record<string, string>[] = [];
    const fetcher = (_: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      headers.push(init!.headers as Record<string, string>);
      return Promise.resolve(sseResponse([event(0), event(1000000, 'TaskSucceeded') + event(2000000, 'RunSucceeded'), 'event: end\ndata: {}\n\n']));
    };
    followRunStream('r/1', { onEvent: (e) => seen.push(e.sequence), onEnd: () => (ended = true), onFallback: () => undefined }, fetcher as typeof fetch);
    await waitFor(() => ended);
    expect(seen).toEqual([0, 1000000, 2000000]);
    expect(headers[0]!['x-functions-key']).toBe('k-1');
  });

  it('resumes after the last event with Last-Event-ID when the connection drops', async () => {
    const calls: (string | undefined)[] = [];
    const seen: number[] = [];
    let ended = false;
    const fetcher = (_: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const last = (init!.headers as Record<string, string>)['last-event-id'];
      calls.push(last);
      return Promise.resolve(last === undefined ? sseResponse([event(0), event(5)]) : sseResponse([event(9), 'event: end\ndata: {}\n\n']));
    };
    followRunStream('r', { onEvent: (e) => seen.push(e.sequence), onEnd: () => (ended = true), onFallback: () => undefined }, fetcher as typeof fetch, 1);
    await waitFor(() => ended);
    expect(calls).toEqual([undefined, '5']);
    expect(seen).toEqual([0, 5, 9]);
  });

  it('falls back to polling when the host answers 501 (the Function App)', async () => {
    let fellBack = false;
    const fetcher = (): Promise<Response> =>
      Promise.resolve(new Response(JSON.stringify({ title: 'Streaming not available' }), { status: 501, headers: { 'content-type': 'application/problem+json' } }));
    followRunStream('r', { onEvent: () => undefined, onEnd: () => undefined, onFallback: () => (fellBack = true) }, fetcher as typeof fetch);
    await waitFor(() => fellBack);
    expect(fellBack).toBe(true);
  });
});
