// The API reference page: built from the OpenAPI document this host serves, so it shows this host's routes (the Function
// App's has no event stream) and cannot drift from them.

import { getOpenApiDocument } from '../api';
import { h, replaceChildren } from '../dom';
import { buildReference, renderReference } from '../reference';
import { errorSlot, showError } from '../ui';

export function mountReference(root: HTMLElement): () => void {
  const errors = errorSlot();
  const title = h('h1', { 'data-testid': 'reference-title' }, 'API reference');
  const version = h('span', { class: 'muted' });
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading /api/openapi.json…'));
  root.append(
    h('div', { class: 'page-head' }, h('div', null, title), h('span', null, version, ' · ', h('span', { class: 'muted small' }, 'from GET /api/openapi.json'))),
    errors,
    body,
  );
  let disposed = false;
  getOpenApiDocument().then(
    (doc) => {
      if (disposed) return;
      const view = buildReference(doc);
      title.textContent = view.title;
      version.textContent = view.version ? `version ${view.version}` : '';
      replaceChildren(body, renderReference(view));
    },
    (e: unknown) => {
      if (disposed) return;
      replaceChildren(body);
      showError(errors, e);
    },
  );
  return () => {
    disposed = true;
  };
}
