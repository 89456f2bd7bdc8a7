// Hash routes: #/workflows, #/workflows/{id}, #/workflows/{id}/edit, #/new (a new workflow), #/reference (the API),
// #/runs, #/runs/{runId}, #/deadletters, #/login, #/circuits.

export type Route =
  | { page: 'workflows' }
  | { page: 'workflow'; workflowId: string }
  | { page: 'editor'; workflowId: string | null }
  | { page: 'reference' }
  | { page: 'runs' }
  | { page: 'run'; runId: string }
  | { page: 'deadletters' }
  | { page: 'login' }
  | { page: 'notFound'; path: string }
  | { page: 'circuits' };

/** Parses a location hash ("#/runs/abc") into a route; ids are URI-decoded. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '' || path === 'workflows') return { page: 'workflows' };
  if (path === 'login') return { page: 'login' };
  if (path === 'runs') return { page: 'runs' };
  if (path === 'new') return { page: 'editor', workflowId: null };
  if (path === 'reference') return { page: 'reference' };
  if (path === 'deadletters') return { page: 'deadletters' };
  if (path === 'circuits') return { page: 'circuits' };
  const parts = path.split('/');
  const [first, second, third] = parts;
  if (parts.length === 3 && first === 'workflows' && second && third === 'edit') {
    const id = safeDecode(second);
    if (id !== null) return { page: 'editor', workflowId: id };
  }
  if (parts.length === 2 && second !== undefined && second !== '') {
    const id = safeDecode(second);
    if (id !== null) {
      if (first === 'workflows') return { page: 'workflow', workflowId: id };
      if (first === 'runs') return { page: 'run', runId: id };
    }
  }
  return { page: 'notFound', path };
}

/** The hash of a route, for links and navigation. */
export function href(route: Route): string {
  switch (route.page) {
    case 'workflows':
      return '#/workflows';
    case 'workflow':
      return `#/workflows/${encodeURIComponent(route.workflowId)}`;
    case 'editor':
      return route.workflowId === null ? '#/new' : `#/workflows/${encodeURIComponent(route.workflowId)}/edit`;
    case 'reference':
      return '#/reference';
    case 'runs':
      return '#/runs';
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'deadletters':
      return '#/deadletters';
    case 'login':
      return '#/login';
    case 'notFound':
      return `#/${route.path}`;
    case 'circuits':
      return '#/circuits';
  }
}

export const workflowHref = (workflowId: string): string => href({ page: 'workflow', workflowId });
export const editorHref = (workflowId: string | null): string => href({ page: 'editor', workflowId });
export const runHref = (runId: string): string => href({ page: 'run', runId });

/** Navigates to a route (the hashchange listener renders it). */
export function navigate(route: Route | string): void {
  const target = typeof route === 'string' ? route : href(route);
  if (location.hash === target) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
