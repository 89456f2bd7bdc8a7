// The YAML editor: CodeMirror 6 with YAML highlighting, line numbers, history and the server's errors as lint marks.
// Loaded on demand (pages/editor.ts imports it dynamically), so only the editor page pays for it.

import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, keymap, lineNumbers } from '@codemirror/view';
import type { Mark } from './validation';

/** The editor as the page drives it. */
export interface YamlEditor {
  text(): string;
  /** Shows these marks (replacing the previous ones); marks about an older text are the caller's to drop. */
  mark(marks: readonly Mark[]): void;
  /** Puts the cursor at `offset` (clamped to the text) and scrolls it into view. */
  goTo(offset: number): void;
  destroy(): void;
}

const theme = EditorView.theme({
  '&': { border: '1px solid #dadce0', borderRadius: '4px', backgroundColor: '#fff', fontSize: '13px' },
  '&.cm-focused': { outline: '2px solid #1a73e8', outlineOffset: '-1px' },
  '.cm-scroller': { minHeight: '360px', maxHeight: '70vh', fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace" },
  '.cm-gutters': { backgroundColor: '#f6f7f9', borderRight: '1px solid #dadce0' },
});

/**
 * Mounts the editor in `host`, inside a shadow root: CodeMirror puts its styles in a `<style>` element when it lives in
 * the document, which the dashboard's Content-Security-Policy (style-src 'self', no 'unsafe-inline') refuses, while in a
 * shadow root it adopts a constructed style sheet, which the policy allows.
 */
export function mountYamlEditor(host: HTMLElement, initial: string, onChange: (text: string) => void, onSave: () => void): YamlEditor {
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  parent.setAttribute('data-testid', 'yaml-editor');
  shadow.appendChild(parent);
  const view = new EditorView({
    parent,
    root: shadow,
    state: EditorState.create({
      doc: initial,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        lintGutter(),
        EditorState.tabSize.of(2),
        keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (onSave(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
        theme,
        EditorView.contentAttributes.of({ 'aria-label': 'Workflow YAML', 'data-testid': 'yaml-input' }),
        // Typing over a selection that spans lines lets Chrome's own editing merge the lines, and it tries to keep their look
        // with an inline style attribute, which the Content-Security-Policy blocks (and reports): make that edit here instead.
        EditorView.domEventHandlers({
          beforeinput(event, view) {
            const range = view.state.selection.main;
            if (event.inputType !== 'insertText' || event.data === null || range.empty) return false;
            if (view.state.doc.lineAt(range.from).number === view.state.doc.lineAt(range.to).number) return false;
            event.preventDefault();
            view.dispatch(view.state.replaceSelection(event.data), { userEvent: 'input.type', scrollIntoView: true });
            return true;
          },
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    text: () => view.state.doc.toString(),
    mark(marks): void {
      const length = view.state.doc.length;
      const diagnostics: Diagnostic[] = marks.map((m) => ({
        from: Math.min(m.from, length),
        to: Math.min(m.to, length),
        severity: m.severity,
        message: `${m.line}:${m.column} ${m.message}`,
      }));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    goTo(offset): void {
      view.dispatch({ selection: { anchor: Math.min(offset, view.state.doc.length) }, scrollIntoView: true });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}
