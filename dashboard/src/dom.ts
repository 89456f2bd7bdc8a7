// Small DOM helpers. Data always goes in through textContent and setAttribute, never through HTML parsing,
// so task ids, outputs and errors cannot inject markup.

export type Child = Node | string | number | null | undefined | false;
export type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an HTML element; `onclick`-style keys with functions become listeners, `value` sets the property. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  applyAttrs(element, attrs);
  append(element, children);
  return element;
}

/** Creates an SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  applyAttrs(element, attrs);
  append(element, children);
  return element;
}

/** Appends children; strings and numbers become text nodes. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces every child of an element. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

function applyAttrs(element: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    } else if (key === 'style' && (element instanceof HTMLElement || element instanceof SVGElement)) {
      // Through CSSOM rather than the attribute, so a strict Content-Security-Policy (no 'unsafe-inline') allows it.
      element.style.cssText = String(value);
    } else if (key === 'value' && (element instanceof HTMLTextAreaElement || element instanceof HTMLInputElement)) {
      element.value = String(value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
}
