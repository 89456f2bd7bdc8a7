// The key prompt: asked once per tab, kept in session storage.

import { api, keyStore } from '../api';
import { h } from '../dom';

/** Shows the prompt; `message` explains why (e.g. a rejected key); `done` runs once a key was accepted. */
export function mountLogin(root: HTMLElement, message: string, done: () => void): () => void {
  const input = h('input', {
    type: 'password',
    id: 'api-key',
    name: 'api-key',
    autocomplete: 'off',
    required: true,
    'data-testid': 'key-input',
    placeholder: 'API key',
  });
  const note = h('p', { class: message ? 'error' : 'muted', 'data-testid': 'login-message', role: 'status' }, message || 'Enter an API key of this Loom server (sent as x-functions-key).');
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-button' }, 'Continue');
  const form = h(
    'form',
    { class: 'card login', 'data-testid': 'login-form' },
    h('h1', null, 'Loom'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    button,
    note,
  );
  let disposed = false;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    note.className = 'muted';
    note.textContent = 'Checking…';
    void api.checkKey(key).then((result) => {
      if (disposed) return;
      button.disabled = false;
      if (result.ok) {
        keyStore.set(key);
        done();
      } else {
        note.className = 'error';
        note.textContent = result.message;
      }
    });
  });
  root.appendChild(form);
  input.focus();
  return () => {
    disposed = true;
  };
}
