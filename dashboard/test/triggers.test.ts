// @vitest-environment happy-dom
// The workflow page's "Event triggers" section against a stubbed API: queues with their poison queues, the webhook's URL
// (admins) or its placeholder, signing, the rotation, its error, and no section for a workflow without triggers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Triggers, WorkflowDetail } from '../src/api';
import { keyStore } from '../src/api';
import { mountWorkflow } from '../src/pages/workflow';

const WAIT = { timeout: 60_000, interval: 20 };
const HOSTILE = '<img src=x onerror="alert(1)">';

function detail(triggers: Triggers | undefined): WorkflowDetail {
  return {
    id: 'wf',
    name: 'wf',
    description: null,
    version: 1,
    paused: false,
    updatedAt: '2026-12-06T08:00:00Z',
    tags: [],
    taskCount: 0,
    schedule: null,
    nextFireTimes: [],
    nextFireTime: null,
    source: null,
    definition: { id: 'wf', name: 'wf', failFast: false, timeoutMs: null, params: {}, tasks: [] },
    ...(triggers ? { triggers } : {}),
  };
}

describe('the workflow page’s event triggers', () => {
  let triggers: Triggers | undefined;
  let rotate: { status: number; body: unknown };
  const rotations: string[] = [];
  let confirmAnswer = true;
  const confirms: string[] = [];
  let dispose: (() => void) | null = null;

  beforeEach(() => {
    triggers = undefined;
    rotate = { status: 200, body: { workflowId: 'wf', url: 'http://loom.test/api/hooks/wf/NEW' } };
    rotations.length = 0;
    confirmAnswer = true;
    confirms.length = 0;
    vi.stubGlobal('confirm', (message: string): boolean => {
      confirms.push(message);
      return confirmAnswer;
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    keyStore.set('k');
    const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const path = new URL(String(input), 'http://loom.test').pathname;
      // Once a rotation was asked for, refreshes never answer: none can clear the error slot before the test reads it.
      if (path === '/api/workflows/wf') return rotations.length > 0 ? new Promise<Response>(() => undefined) : Promise.resolve(json(detail(triggers)));
      if (path === '/api/runs') return Promise.resolve(json({ items: [] }));
      if (path === '/api/workflows/wf/versions') return Promise.resolve(json({ items: [] }));
      if (path === '/api/workflows/wf/stats') return Promise.resolve(json({ title: 'Not found' }, 404));
      if (path === '/api/workflows/wf/webhook/rotate') {
        rotations.push(init?.method ?? 'GET');
        return Promise.resolve(json(rotate.body, rotate.status));
      }
      return Promise.resolve(json({ title: 'Not found', detail: path }, 404));
    });
  });

  afterEach(() => {
    dispose?.();
    dispose = null;
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  function mount(): HTMLElement {
    const root = document.createElement('div');
    document.body.appendChild(root);
    dispose = mountWorkflow(root, 'wf');
    return root;
  }

  const section = (root: HTMLElement): HTMLElement => root.querySelector('[data-testid="triggers-section"]') as HTMLElement;
  const byTestId = (root: HTMLElement, id: string): HTMLElement | null => root.querySelector(`[data-testid="${id}"]`);

  it('shows the queues with their poison queues and, to an admin, the URL, signing and a rotation that shows the new URL', async () => {
    triggers = { queues: ['orders', 'refunds'], webhook: { url: 'http://loom.test/api/hooks/wf/OLD', signingSecret: 'HOOK_SECRET' } };
    const root = mount();
    await vi.waitFor(() => expect(byTestId(root, 'triggers')).not.toBeNull(), WAIT);
    expect(section(root).hidden).toBe(false);
    expect([...root.querySelectorAll('[data-testid="trigger-queue"]')].map((e) => e.getAttribute('data-queue'))).toEqual(['orders', 'refunds']);
    expect([...root.querySelectorAll('[data-testid="trigger-poison"]')].map((e) => e.textContent)).toEqual(['orders-poison', 'refunds-poison']);
    expect(byTestId(root, 'webhook-url')!.textContent).toBe('http://loom.test/api/hooks/wf/OLD');
    expect(byTestId(root, 'webhook-url-copy')).not.toBeNull();
    expect(byTestId(root, 'webhook-signing')!.textContent).toContain('HOOK_SECRET');
    expect(byTestId(root, 'webhook-rotated')!.hidden).toBe(true);

    // Declined: nothing is sent.
    confirmAnswer = false;
    byTestId(root, 'webhook-rotate')!.click();
    expect(confirms).toHaveLength(1);
    expect(rotations).toEqual([]);

    confirmAnswer = true;
    byTestId(root, 'webhook-rotate')!.click();
    await vi.waitFor(() => expect(byTestId(root, 'webhook-new-url')?.textContent).toBe('http://loom.test/api/hooks/wf/NEW'), WAIT);
    expect(rotations).toEqual(['POST']);
    expect(byTestId(root, 'webhook-rotated')!.hidden).toBe(false);
  }, 120_000);

  it('shows a refused rotation’s problem in the page’s error slot', async () => {
    triggers = { queues: [], webhook: { url: 'http://loom.test/api/hooks/wf/OLD', signingSecret: null } };
    rotate = { status: 409, body: { title: 'Conflict', detail: 'The workflow has no webhook trigger.' } };
    const root = mount();
    await vi.waitFor(() => expect(byTestId(root, 'webhook-rotate')).not.toBeNull(), WAIT);
    expect(byTestId(root, 'webhook-signing')!.textContent).toBe('not required');
    byTestId(root, 'webhook-rotate')!.click();
    await vi.waitFor(() => expect(byTestId(root, 'error')!.textContent).toBe('Conflict: The workflow has no webhook trigger.'), WAIT);
    expect(byTestId(root, 'webhook-rotated')!.hidden).toBe(true);
  }, 120_000);

  it('shows a placeholder and no rotate button to a key that may not see the URL', async () => {
    triggers = { queues: ['orders'], webhook: { url: null, signingSecret: null } };
    const root = mount();
    await vi.waitFor(() => expect(byTestId(root, 'triggers')).not.toBeNull(), WAIT);
    expect(byTestId(root, 'webhook-url-hidden')!.textContent).toContain('shown to admins');
    expect(byTestId(root, 'webhook-url')).toBeNull();
    expect(byTestId(root, 'webhook-rotate')).toBeNull();
  }, 120_000);

  it('has no section for a workflow without triggers', async () => {
    const root = mount();
    await vi.waitFor(() => expect(byTestId(root, 'workflow-title')?.textContent).toBe('wf'), WAIT);
    expect(section(root).hidden).toBe(true);
    expect(byTestId(root, 'triggers')).toBeNull();
  }, 120_000);

  it('shows hostile queue and secret names as text', async () => {
    triggers = { queues: [HOSTILE], webhook: { url: null, signingSecret: HOSTILE } };
    const root = mount();
    await vi.waitFor(() => expect(byTestId(root, 'triggers')).not.toBeNull(), WAIT);
    expect(root.querySelector('img')).toBeNull();
    expect(byTestId(root, 'trigger-queue')!.getAttribute('data-queue')).toBe(HOSTILE);
    expect(byTestId(root, 'trigger-queue')!.querySelector('code')!.textContent).toBe(HOSTILE);
    expect(byTestId(root, 'trigger-poison')!.textContent).toBe(`${HOSTILE}-poison`);
    expect(byTestId(root, 'webhook-signing')!.querySelector('code')!.textContent).toBe(HOSTILE);
  }, 120_000);
});
