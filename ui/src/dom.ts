// A tiny element builder so views stay declarative without a framework.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * `h('button', { class: 'primary', onclick: go, 'data-testid': 'x' }, 'Go')`.
 * `on*` keys become listeners; `false`/`null`/`undefined` attributes are left out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value as EventListener);
    } else if (name === 'style') {
      // CSSOM, not the attribute: the CSP forbids inline style attributes.
      el.style.cssText = String(value);
    } else if (name === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (name === 'checked' && 'checked' in el) {
      (el as HTMLInputElement).checked = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/**
 * Sets an attribute only when it changes: the same value written again still makes WebKit
 * restyle the element, and a grid's reused cells are shown in every frame of a scroll.
 */
export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** Sets a text node's data only when it changes (see `setAttr`). */
export function setText(node: Text, value: string): void {
  if (node.data !== value) node.data = value;
}

/** Sets one of an element's box properties only when it changes (see `setAttr`). */
export function setStyle(el: HTMLElement, name: 'left' | 'top' | 'width' | 'height', value: string): void {
  if (el.style[name] !== value) el.style[name] = value;
}

let nextId = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
