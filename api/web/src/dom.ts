// dom.ts: a tiny element builder and the page-wide helpers (live region, focus).

export type Child = Node | string | number | null | undefined | false | Child[];

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** h builds an element: attributes (on* are listeners, booleans toggle) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = String(v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

/** append adds children (nested arrays flattened, falsy ones skipped). */
export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

const SVG = "http://www.w3.org/2000/svg";

/** s builds an SVG element. */
export function s(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** announce says a message in the ARIA live region (screen readers read it once). */
export function announce(msg: string): void {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  // A new text node after a tick is announced even when the text repeats.
  window.setTimeout(() => (live.textContent = msg), 30);
}

let uid = 0;
/** id returns a fresh element id with a prefix. */
export function id(prefix: string): string {
  uid++;
  return `${prefix}-${uid}`;
}

/** num formats a number with at most `digits` decimals. */
export function num(x: number, digits = 2): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits).replace(/\.?0+$/, "");
}

/** money formats a price in dollars. */
export function money(x: number): string {
  return `$${x.toFixed(2)}`;
}

/** pct formats a rate in [0,1] as a percentage. */
export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
