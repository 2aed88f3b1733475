/**
 * A few DOM helpers for the dashboard page. Every text goes in through `textContent` (never as HTML), so
 * no model name, tag or error message can inject markup.
 *
 * @module
 */

type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Creates an element with attributes (`on*` functions become listeners) and children.
 *
 * @example
 * ```ts
 * h('button', { class: 'primary', onclick: () => save() }, 'Save');
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    // Through the CSSOM: the page's Content-Security-Policy refuses `style` attributes written as markup.
    else if (name === 'style') element.style.cssText = String(value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/**
 * Appends children (strings as text nodes; false, null and undefined skipped).
 *
 * @example
 * ```ts
 * append(list, [h('li', {}, 'one'), 'two']);
 * ```
 */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's children.
 *
 * @example
 * ```ts
 * replace(container, h('p', {}, 'Nothing yet'));
 * ```
 */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Creates an SVG element.
 *
 * @example
 * ```ts
 * svg('rect', { x: 0, y: 0, width: 10, height: 4 });
 * ```
 */
export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}
