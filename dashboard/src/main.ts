// Entry point: the page shell, the hash router and the key prompt.

import './styles.css';
import { api, keyStore } from './api';
import { h, replaceChildren } from './dom';
import { mountEditor } from './pages/editor';
import { mountLogin } from './pages/login';
import { mountReference } from './pages/reference';
import { mountDeadLetters } from './pages/deadletters';
import { mountCircuits } from './pages/circuits';
import { mountRun } from './pages/run';
import { mountRuns } from './pages/runs';
import { mountWorkflow } from './pages/workflow';
import { mountWorkflows } from './pages/workflows';
import { navigate, parseRoute } from './router';
import { TASK_STATUSES, statusColour } from './status';

const app = document.getElementById('app') ?? document.body;
const main = h('main', { id: 'main' });
const signOut = h('button', { type: 'button', class: 'link', 'data-testid': 'sign-out' }, 'Forget key');
const header = h(
  'header',
  { class: 'topbar' },
  h('a', { href: '#/workflows', class: 'brand' }, 'Loom'),
  h('nav', null, h('a', { href: '#/workflows', 'data-testid': 'nav-workflows' }, 'Workflows'), h('a', { href: '#/runs', 'data-testid': 'nav-runs' }, 'Runs'), h('a', { href: '#/deadletters', 'data-testid': 'nav-deadletters' }, 'Dead letters'), h('a', { href: '#/new', 'data-testid': 'nav-new' }, 'New workflow'), h('a', { href: '#/reference', 'data-testid': 'nav-reference' }, 'API'), h('a', { href: '#/circuits', 'data-testid': 'nav-circuits' }, 'Circuits')),
  h('div', { class: 'legend', 'aria-label': 'Status colours' }, ...TASK_STATUSES.map((st) => h('span', { class: 'legend-item' }, h('i', { style: `background:${statusColour(st)}` }), st))),
  signOut,
);
app.append(header, main);

let dispose: () => void = () => undefined;
let loginMessage = '';
let returnTo = '#/workflows';

function show(): void {
  dispose();
  dispose = () => undefined;
  replaceChildren(main);
  const route = parseRoute(location.hash);
  const hasKey = keyStore.get() !== null;
  signOut.hidden = !hasKey;
  if (route.page === 'login' || !hasKey) {
    if (route.page !== 'login') returnTo = location.hash || '#/workflows';
    document.title = 'Loom · key';
    const message = loginMessage;
    loginMessage = '';
    dispose = mountLogin(main, message, () => navigate(returnTo === '#/login' ? '#/workflows' : returnTo));
    return;
  }
  switch (route.page) {
    case 'workflows':
      document.title = 'Loom · workflows';
      dispose = mountWorkflows(main);
      break;
    case 'workflow':
      document.title = `Loom · ${route.workflowId}`;
      dispose = mountWorkflow(main, route.workflowId);
      break;
    case 'editor':
      document.title = route.workflowId === null ? 'Loom · new workflow' : `Loom · edit ${route.workflowId}`;
      dispose = mountEditor(main, route.workflowId);
      break;
    case 'reference':
      document.title = 'Loom · API';
      dispose = mountReference(main);
      break;
    case 'runs':
      document.title = 'Loom · runs';
      dispose = mountRuns(main);
      break;
    case 'run':
      document.title = `Loom · run ${route.runId}`;
      dispose = mountRun(main, route.runId);
      break;
    case 'deadletters':
      document.title = 'Loom · dead letters';
      dispose = mountDeadLetters(main);
      break;
    case 'circuits':
      document.title = 'Loom · circuits';
      dispose = mountCircuits(main);
      break;
    case 'notFound':
      document.title = 'Loom · not found';
      main.appendChild(h('div', { class: 'card' }, h('h1', null, 'Not found'), h('p', null, 'No page at ', h('code', null, `#/${route.path}`), '. '), h('a', { href: '#/workflows' }, 'Back to workflows')));
      break;
  }
}

api.setUnauthorizedHandler((message) => {
  loginMessage = message;
  if (parseRoute(location.hash).page !== 'login') returnTo = location.hash || '#/workflows';
  navigate('#/login');
});

signOut.addEventListener('click', () => {
  keyStore.clear();
  loginMessage = 'The key was forgotten. Enter a key to continue.';
  navigate('#/login');
});

window.addEventListener('hashchange', show);
show();
