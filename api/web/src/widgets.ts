// widgets.ts: pieces shared by the pages: the why list with its evidence path and Cypher,
// the error box with retry, tables and skeletons.

import { ApiError, PathNode, PathRel, Why } from "./api";
import { Child, h, id, num, s } from "./dom";

const kindNames: Record<string, string> = {
  concern_fit: "Concern fit",
  claim: "Brand claim",
  peer: "People like you",
  safety: "Safety",
  affinity: "Like what you liked",
  co_review: "Liked by the same people",
  prior: "Quality",
  similarity: "Similarity",
  shared_ingredients: "Shared ingredients",
  shared_outcomes: "Shared outcomes",
};

/** kindName is the label of a reason kind. */
export function kindName(kind: string): string {
  return kindNames[kind] || kind.replace(/_/g, " ");
}

function nodeName(n: PathNode): string {
  return n.name || n.value;
}

function propsText(p?: Record<string, unknown>): string {
  if (!p) return "";
  const parts = Object.entries(p).map(([k, v]) => `${k.replace(/_/g, " ")} ${typeof v === "number" ? num(v) : String(v)}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** pathText is an evidence path as one readable sentence. */
export function pathText(nodes: PathNode[], rels: PathRel[]): string {
  let out = `${nodeName(nodes[0])} [${nodes[0].label}]`;
  rels.forEach((r, i) => {
    const fwd = r.from === i;
    const rel = `${r.type}${propsText(r.properties)}`;
    out += fwd ? ` -${rel}-> ` : ` <-${rel}- `;
    out += `${nodeName(nodes[i + 1])} [${nodes[i + 1].label}]`;
  });
  return out;
}

const labelColors: Record<string, string> = {
  Product: "#0b5394",
  Ingredient: "#38761d",
  Concern: "#990000",
  SkinType: "#7f6000",
  SkinTone: "#7f6000",
  Sensitivity: "#741b47",
  Reviewer: "#444444",
  Outcome: "#444444",
};

function clip(t: string, n: number): string {
  return t.length > n ? t.slice(0, n - 1) + "…" : t;
}

/** pathGraph draws a linear evidence path as a small SVG: nodes left to right, arrows by direction. */
export function pathGraph(nodes: PathNode[], rels: PathRel[]): SVGElement {
  const w = 150, gap = 70, nh = 44, top = 22;
  const width = nodes.length * w + (nodes.length - 1) * gap;
  const svg = s("svg", { viewBox: `0 0 ${width} ${top + nh + 8}`, class: "path-graph", role: "img", "aria-label": pathText(nodes, rels) });
  const arrow = id("arrow");
  const defs = s("defs", {}, s("marker", { id: arrow, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#333" })));
  svg.append(defs);
  nodes.forEach((n, i) => {
    const x = i * (w + gap);
    const color = labelColors[n.label] || "#333";
    svg.append(
      s("rect", { x, y: top, width: w, height: nh, rx: 8, fill: "#fff", stroke: color, "stroke-width": 2 }),
      s("text", { x: x + w / 2, y: top + 17, "text-anchor": "middle", "font-size": 11, fill: color, "font-weight": 700 }, n.label),
      s("text", { x: x + w / 2, y: top + 34, "text-anchor": "middle", "font-size": 13, fill: "#1a1a1a" }, clip(nodeName(n), 20)),
    );
  });
  rels.forEach((r, i) => {
    const x1 = i * (w + gap) + w, x2 = x1 + gap, y = top + nh / 2;
    const fwd = r.from === i;
    svg.append(
      s("line", { x1: x1 + 2, y1: y, x2: x2 - 2, y2: y, stroke: "#333", "stroke-width": 1.5, [fwd ? "marker-end" : "marker-start"]: `url(#${arrow})` }),
      s("text", { x: (x1 + x2) / 2, y: top - 6, "text-anchor": "middle", "font-size": 10, fill: "#333" }, r.type),
    );
  });
  return svg;
}

/** whyList renders reasons: text, contribution, an expandable evidence path and "Show Cypher". */
export function whyList(whys: Why[], opts: { explorerLinks?: boolean } = {}): HTMLElement {
  return h("ul", { class: "why" }, whys.map((w) => {
    const sign = w.contribution >= 0 ? "+" : "−";
    const li = h("li", { class: `why-item kind-${w.kind}` },
      h("span", { class: "kind" }, kindName(w.kind)),
      " ",
      h("span", { class: "text" }, w.text),
      " ",
      h("span", { class: `contrib ${w.contribution < 0 ? "neg" : ""}`, title: "contribution to the score" }, `${sign}${num(Math.abs(w.contribution), 3)}`),
    );
    const extras = h("div", { class: "why-extras" });
    if (w.path && w.path.nodes.length > 0) {
      extras.append(h("details", { class: "evidence" },
        h("summary", null, "Evidence path"),
        h("p", { class: "chain" }, pathText(w.path.nodes, w.path.relationships)),
        h("div", { class: "graph-wrap" }, pathGraph(w.path.nodes, w.path.relationships)),
        w.evidence ? evidenceList(w.evidence) : null,
      ));
    }
    if (w.cypher) {
      const preId = id("cypher");
      const pre = h("pre", { id: preId, class: "cypher", hidden: true }, h("code", null, w.cypher));
      const btn = h("button", { type: "button", class: "link-button", "aria-expanded": "false", "aria-controls": preId }, "Show Cypher");
      btn.addEventListener("click", () => {
        const open = pre.hidden;
        pre.hidden = !open;
        btn.setAttribute("aria-expanded", String(open));
        btn.textContent = open ? "Hide Cypher" : "Show Cypher";
      });
      extras.append(btn);
      if (opts.explorerLinks !== false) {
        extras.append(" ", h("a", { href: `#/explorer?q=${encodeURIComponent(w.cypher)}`, class: "small" }, "Run in explorer"));
      }
      extras.append(pre);
    }
    if (extras.childNodes.length) li.append(extras);
    return li;
  }));
}

function evidenceList(ev: Record<string, unknown>): HTMLElement {
  return h("dl", { class: "evidence-list" }, Object.entries(ev).map(([k, v]) => [
    h("dt", null, k.replace(/_/g, " ")),
    h("dd", null, typeof v === "number" ? num(v, 3) : typeof v === "object" ? JSON.stringify(v) : String(v)),
  ]));
}

/** errorBox shows a failed call (title, detail, field errors) with an optional retry. */
export function errorBox(err: unknown, retry?: () => void): HTMLElement {
  const p = err instanceof ApiError ? err.problem : { title: "Something went wrong", status: 0, detail: String(err), errors: undefined };
  const reqId = err instanceof ApiError ? err.requestId : null;
  const box = h("div", { class: "error", role: "alert" },
    h("p", { class: "error-title" }, p.status ? `${p.title} (${p.status})` : p.title),
    p.detail ? h("p", null, p.detail) : null,
    p.errors && p.errors.length ? h("ul", null, p.errors.map((e) => h("li", null, h("code", null, e.field), ": ", e.message))) : null,
    reqId ? h("p", { class: "small" }, `Request id ${reqId}`) : null,
  );
  if (retry) box.append(h("button", { type: "button", class: "button", onclick: () => retry() }, "Retry"));
  return box;
}

/** skeletons are placeholder cards shown while loading (hidden from screen readers). */
export function skeletons(n: number): HTMLElement[] {
  return Array.from({ length: n }, () => h("div", { class: "card skeleton", "aria-hidden": "true" },
    h("div", { class: "sk sk-title" }), h("div", { class: "sk" }), h("div", { class: "sk" }), h("div", { class: "sk sk-short" })));
}

/** scrollTable wraps a table so it scrolls sideways on a phone and can be reached by keyboard. */
export function scrollTable(label: string, table: HTMLTableElement): HTMLElement {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: 0 }, table);
}

/** cell renders one value of a result row. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return num(v, 4);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** field is a label with its control and an optional hint, tied by ids. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const cid = control.id || id("f");
  control.id = cid;
  const kids: Child[] = [h("label", { for: cid }, label), control];
  if (hint) {
    const hid = id("hint");
    control.setAttribute("aria-describedby", hid);
    kids.push(h("p", { class: "hint", id: hid }, hint));
  }
  return h("div", { class: "field" }, kids);
}
