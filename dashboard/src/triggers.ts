// The workflow page's "Event triggers" section: the queues whose messages start runs (with the poison queue each one's
// unusable messages go to) and the webhook: its URL (admins only), whether bodies must be signed, and its rotation.

import { rotateWebhook, type Triggers } from './api';
import { h, replaceChildren } from './dom';
import { showError } from './ui';

/** The section's content for a workflow's triggers; `rotated` shows the new URL after a rotation (kept across re-renders). */
export function renderTriggers(workflowId: string, triggers: Triggers, errors: HTMLElement, rotated: HTMLElement): HTMLElement {
  const queues =
    triggers.queues.length > 0
      ? h(
          'ul',
          { class: 'plain-list' },
          ...triggers.queues.map((q) =>
            h('li', { 'data-testid': 'trigger-queue', 'data-queue': q }, h('code', null, q), h('span', { class: 'muted small' }, ' · unusable messages go to ', h('code', { 'data-testid': 'trigger-poison' }, `${q}-poison`))),
          ),
        )
      : h('span', { class: 'muted' }, '–');
  const hook = triggers.webhook;
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'triggers' },
    h('dt', null, 'Queues'),
    h('dd', null, queues),
    h('dt', null, 'Webhook'),
    h('dd', null, hook ? webhookLine(workflowId, hook.url, errors, rotated) : h('span', { class: 'muted' }, '–')),
    hook ? h('dt', null, 'Signed bodies') : null,
    hook
      ? h('dd', { 'data-testid': 'webhook-signing' }, hook.signingSecret ? h('span', null, 'required, with the secret ', h('code', null, hook.signingSecret)) : h('span', { class: 'muted' }, 'not required'))
      : null,
  );
}

/** The URL with a copy button and a rotate button when the key may see it (admins); a placeholder otherwise. */
function webhookLine(workflowId: string, url: string | null, errors: HTMLElement, rotated: HTMLElement): HTMLElement {
  if (url === null) return h('span', { class: 'muted', 'data-testid': 'webhook-url-hidden' }, 'POST URL shown to admins');
  const rotate = h('button', { type: 'button', 'data-testid': 'webhook-rotate' }, 'Rotate URL');
  rotate.addEventListener('click', () => {
    if (!window.confirm(`Rotate the webhook URL of ${workflowId}? The current URL stops starting runs at once.`)) return;
    rotate.disabled = true;
    rotateWebhook(workflowId).then(
      (r) => {
        rotate.disabled = false;
        showError(errors, null);
        rotated.hidden = false;
        replaceChildren(rotated, 'Rotated: the new URL is ', urlWithCopy(r.url, 'webhook-new-url'), '. The previous one no longer starts runs.');
      },
      (e: unknown) => {
        rotate.disabled = false;
        showError(errors, e);
      },
    );
  });
  return h('span', null, urlWithCopy(url, 'webhook-url'), ' ', rotate);
}

function urlWithCopy(url: string, testid: string): HTMLElement {
  const copy = h('button', { type: 'button', class: 'link', 'data-testid': `${testid}-copy` }, 'copy');
  copy.addEventListener('click', () => {
    // The clipboard is refused outside a secure context or without permission: say so rather than fail silently.
    const done = (text: string): void => void (copy.textContent = text);
    if (!navigator.clipboard) return done('select and copy');
    navigator.clipboard.writeText(url).then(
      () => done('copied'),
      () => done('select and copy'),
    );
  });
  return h('span', null, h('code', { 'data-testid': testid }, url), ' ', copy);
}
