// Register or edit a workflow: the YAML editor, checked by the server as you type (POST /api/workflows/validate) with its
// errors marked at their line and column, and Save, which registers it (POST /api/workflows) and shows its warnings.

import { api, registerWorkflow, validateWorkflow, type WorkflowValidation } from '../api';
import { h, replaceChildren } from '../dom';
import { createChecker, marksFor, type CheckState } from '../editor/validation';
import { workflowHref } from '../router';
import { errorMessage, errorSlot, showError } from '../ui';

/** What a new workflow starts from: the smallest useful one, to edit rather than to type from nothing. */
export const STARTER = `id: my-workflow
name: My workflow
# schedule: "0 3 * * *"   # a cron expression; without it the workflow runs on demand only
tasks:
  - id: first
    method: POST
    url: http://your-backend:8080/api/tasks/first
  - id: second
    method: POST
    url: http://your-backend:8080/api/tasks/second
    dependsOn: [first]
`;

export function mountEditor(root: HTMLElement, workflowId: string | null): () => void {
  const errors = errorSlot();
  const host = h('div', { class: 'editor-host', 'data-testid': 'editor-host' });
  const status = h('p', { class: 'check-status muted', 'data-testid': 'check-status', 'data-state': 'loading', role: 'status' }, 'Loading the editor…');
  const problems = h('ul', { class: 'check-list', 'data-testid': 'check-errors' });
  const warnings = h('ul', { class: 'check-list warnings', 'data-testid': 'check-warnings' });
  const save = h('button', { type: 'button', class: 'primary', 'data-testid': 'save-button', disabled: true }, 'Save');
  const saved = h('div', { 'data-testid': 'save-result' });
  const saveError = errorSlot('save-error');
  root.append(
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        null,
        h('a', { href: workflowId ? workflowHref(workflowId) : '#/workflows', class: 'muted small' }, workflowId ? `← ${workflowId}` : '← Workflows'),
        h('h1', { 'data-testid': 'editor-title' }, workflowId ? `Edit ${workflowId}` : 'New workflow'),
      ),
      h('span', { class: 'muted small' }, 'Checked by the server as you type; Save (Ctrl+S) registers a new version when the text changed.'),
    ),
    errors,
    h('div', { class: 'card' }, host, status, problems, warnings, h('div', { class: 'row' }, save), saveError, saved),
  );

  let disposed = false;
  let editor: import('../editor/codemirror').YamlEditor | null = null;

  const showCheck = (state: CheckState): void => {
    if (!editor) return;
    if (state.kind === 'checking') {
      status.dataset['state'] = 'checking';
      status.className = 'check-status muted';
      status.textContent = 'Checking…';
      return;
    }
    // The checker drops stale answers; this guards the rare edit made between its answer and this call.
    if (state.source !== editor.text()) return;
    if (state.kind === 'failed') {
      status.dataset['state'] = 'failed';
      status.className = 'check-status error-text';
      status.textContent = `Could not check: ${errorMessage(state.error)}`;
      editor.mark([]);
      replaceChildren(problems);
      replaceChildren(warnings);
      return;
    }
    renderCheck(state.source, state.result);
  };

  const renderCheck = (source: string, result: WorkflowValidation): void => {
    const marks = marksFor(source, result.errors);
    editor?.mark(marks);
    status.dataset['state'] = result.valid ? 'valid' : 'invalid';
    status.className = `check-status ${result.valid ? 'ok-text' : 'error-text'}`;
    status.textContent = result.valid
      ? `Valid${result.id ? `: ${result.id}` : ''}.`
      : `${result.errorCount} error${result.errorCount === 1 ? '' : 's'}${result.errorCount > result.errors.length ? ` (the first ${result.errors.length} shown)` : ''}.`;
    replaceChildren(
      problems,
      ...result.errors.map((e, i) => {
        const at = h('button', { type: 'button', class: 'link mono', title: 'Go to this line' }, `${e.line}:${e.column}`);
        at.addEventListener('click', () => editor?.goTo(marks[i]!.from));
        return h('li', { 'data-testid': 'check-error', 'data-line': e.line, 'data-column': e.column }, at, ' ', e.message, e.path ? h('span', { class: 'muted' }, ` (${e.path})`) : null);
      }),
    );
    renderWarnings(warnings, result.warnings);
  };

  const checker = createChecker((source, signal) => validateWorkflow(source, signal), showCheck);

  save.addEventListener('click', () => {
    if (!editor || save.disabled) return;
    save.disabled = true;
    showError(saveError, null);
    replaceChildren(saved);
    registerWorkflow(editor.text()).then(
      (r) => {
        save.disabled = false;
        replaceChildren(
          saved,
          h(
            'p',
            { class: 'ok-text', 'data-testid': 'save-message', 'data-version': r.version, 'data-created': String(r.created) },
            r.created ? `Registered ${r.id} version ${r.version}. ` : `No change: ${r.id} version ${r.version} has this text already. `,
            h('a', { href: workflowHref(r.id), 'data-testid': 'save-open' }, `Open ${r.id}`),
          ),
        );
        const list = h('ul', { class: 'check-list warnings', 'data-testid': 'save-warnings' });
        renderWarnings(list, r.warnings);
        if (r.warnings.length > 0) saved.append(list);
      },
      (e: unknown) => {
        save.disabled = false;
        showError(saveError, e);
      },
    );
  });

  const load = async (): Promise<void> => {
    try {
      const [source, module] = await Promise.all([
        workflowId ? api.getWorkflow(workflowId).then((wf) => wf.source ?? '') : Promise.resolve(STARTER),
        import('../editor/codemirror'),
      ]);
      if (disposed) return;
      editor = module.mountYamlEditor(host, source, (text) => checker.change(text), () => save.click());
      save.disabled = false;
      // The editor's text, not `source`: it normalises line ends, and answers are matched to the text shown.
      checker.change(editor.text());
      await checker.flush();
    } catch (e) {
      if (!disposed) {
        status.textContent = '';
        showError(errors, e);
      }
    }
  };
  void load();

  return () => {
    disposed = true;
    checker.stop();
    editor?.destroy();
  };
}

function renderWarnings(list: HTMLElement, items: readonly string[]): void {
  replaceChildren(list, ...items.map((w) => h('li', { 'data-testid': 'warning' }, 'Warning: ', w)));
}
