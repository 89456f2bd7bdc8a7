// Live updates of a run from GET /api/runs/{id}/stream (server-sent events), read with fetch so the key can travel in its
// header (EventSource cannot send one). Hosts without the stream (the Function App answers 501) leave the page polling.

import { keyStore, type RunEvent } from './api';

/** One server-sent event frame. */
export interface SseFrame {
  event: string;
  id: string | null;
  data: string;
}

/** Splits a server-sent event stream into frames; text may arrive cut anywhere, frames come out whole. */
export class SseParser {
  private buffer = '';
  private event = 'message';
  private id: string | null = null;
  private data: string[] = [];

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      if (line === '') {
        if (this.data.length > 0) frames.push({ event: this.event, id: this.id, data: this.data.join('\n') });
        this.event = 'message';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return frames;
  }
}

/** What a stream of a run reports. */
export interface RunStreamHandlers {
  /** A new event of the run, in sequence order. */
  onEvent(event: RunEvent): void;
  /** The run is final and every event was delivered. */
  onEnd(): void;
  /** The host has no stream (or it keeps failing): poll instead. */
  onFallback(): void;
}

/** Connection failures in a row after which the page polls instead. */
const MAX_FAILURES = 5;

/**
 * Follows a run's stream, reconnecting after its last event (Last-Event-ID) when the connection drops, until the run ends
 * or the returned function is called.
 */
export function followRunStream(runId: string, handlers: RunStreamHandlers, fetcher: typeof fetch = (input, init) => fetch(input, init), retryMs = 1000): () => void {
  const controller = new AbortController();
  let lastId: string | null = null;

  const connect = async (): Promise<'ended' | 'dropped' | 'unavailable'> => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const key = keyStore.get();
    if (key) headers['x-functions-key'] = key;
    if (lastId !== null) headers['last-event-id'] = lastId;
    const response = await fetcher(`/api/runs/${encodeURIComponent(runId)}/stream`, { headers, signal: controller.signal });
    if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      return 'unavailable';
    }
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'dropped';
      for (const frame of parser.push(value)) {
        if (frame.event === 'end') {
          handlers.onEnd();
          return 'ended';
        }
        if (frame.id !== null) lastId = frame.id;
        try {
          handlers.onEvent(JSON.parse(frame.data) as RunEvent);
        } catch {
          // A frame that is not an event's JSON is skipped; the page's own refresh shows the log anyway.
        }
      }
    }
  };

  void (async () => {
    let failures = 0;
    for (;;) {
      let outcome: 'ended' | 'dropped' | 'unavailable';
      try {
        outcome = await connect();
      } catch {
        outcome = 'dropped';
      }
      if (controller.signal.aborted || outcome === 'ended') return;
      failures = outcome === 'dropped' && lastId !== null ? failures : failures + 1;
      if (outcome === 'unavailable' || failures >= MAX_FAILURES) {
        handlers.onFallback();
        return;
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  })();

  return () => controller.abort();
}
