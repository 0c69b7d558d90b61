// dashboard.ts: what merchandising earns. The experiment chosen (the one in force, or the one
// in the URL: #/dashboard?experiment=ID) with its figures per variant: a table of the totals
// (impressions, CTR, add-to-cart rate and conversion with their 95 % intervals, and the p-value
// of each variant against the control), a chart per rate over the days (plain SVG: a line per
// variant, a whisker for each day's interval), and the rules and experiments in force.

import { getJSON } from "./api";
import { h, num, s } from "./dom";
import { inForce, Rule, target } from "./rules";
import { errorBox, scrollTable } from "./widgets";

interface Variant {
  name: string;
  share: number;
  weights: Record<string, number>;
  rule_ids: string[];
}

interface Experiment {
  id: string;
  name: string;
  from: string | null;
  until: string | null;
  variants: Variant[];
  control: string;
  in_force: boolean;
}

interface Proportion {
  rate: number;
  low: number;
  high: number;
}

interface Figures {
  impressions: number;
  views: number;
  clicks: number;
  add_to_carts: number;
  purchases: number;
  ctr: Proportion;
  add_to_cart_rate: Proportion;
  conversion: Proportion;
}

interface Comparison {
  diff: number;
  z: number;
  p_value: number;
}

interface Results {
  experiment: string;
  name: string;
  control: string;
  variants: {
    variant: string;
    share: number;
    totals: Figures;
    days: (Figures & { day: string })[];
    vs_control: { ctr: Comparison; add_to_cart_rate: Comparison; conversion: Comparison } | null;
  }[];
}

type Rate = "ctr" | "add_to_cart_rate" | "conversion";
const rates: { key: Rate; label: string }[] = [
  { key: "ctr", label: "Click-through rate" },
  { key: "add_to_cart_rate", label: "Add-to-cart rate" },
  { key: "conversion", label: "Conversion" },
];

// Series colours: distinct, each at least 3:1 against white (WCAG non-text contrast).
const colours = ["#0b57d0", "#b3261e", "#0d7a3a", "#7b3fb0", "#8a5a00", "#00677f"];

const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;
const interval = (p: Proportion) => `${pct1(p.rate)} (${pct1(p.low)}–${pct1(p.high)})`;

/** chart draws one rate over the days: a line per variant, each day's interval as a whisker. */
export function chart(res: Results, rate: Rate, label: string): SVGElement {
  const days = res.variants[0]?.days.map((d) => d.day) || [];
  const w = 560, ht = 220, left = 48, right = 28, top = 12, bottom = 36;
  const top95 = Math.max(0.01, ...res.variants.flatMap((v) => v.days.filter((d) => d.impressions > 0).map((d) => d[rate].high)));
  const ymax = Math.min(1, Math.ceil(top95 * 10) / 10 || 0.1);
  const x = (i: number) => left + (days.length <= 1 ? (w - left - right) / 2 : (i * (w - left - right)) / (days.length - 1));
  const y = (v: number) => top + (1 - v / ymax) * (ht - top - bottom);
  const summary = res.variants.map((v) => `${v.variant}: ${interval(v.totals[rate])} over ${v.totals.impressions} impressions`).join("; ");
  const svg = s("svg", { viewBox: `0 0 ${w} ${ht}`, class: "rate-chart", role: "img", "aria-label": `${label} per day and variant. In all: ${summary}` });
  for (let k = 0; k <= 4; k++) {
    const v = (ymax * k) / 4;
    svg.append(s("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "grid" }),
      s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, pct1(v)));
  }
  days.forEach((d, i) => svg.append(s("text", { x: x(i), y: ht - bottom + 18, "text-anchor": "middle", class: "tick" }, d.slice(5))));
  res.variants.forEach((v, n) => {
    const colour = colours[n % colours.length];
    const pts = v.days.map((d, i) => ({ i, d })).filter((p) => p.d.impressions > 0);
    const g = s("g", { class: "series", "data-variant": v.variant, stroke: colour, fill: colour });
    if (pts.length > 1) g.append(s("polyline", { points: pts.map((p) => `${x(p.i) + n * 3},${y(p.d[rate].rate)}`).join(" "), fill: "none", "stroke-width": 2 }));
    for (const p of pts) {
      const cx = x(p.i) + n * 3; // variants side by side, so whiskers do not hide each other
      g.append(s("line", { x1: cx, x2: cx, y1: y(p.d[rate].low), y2: y(p.d[rate].high), "stroke-width": 1.5 }),
        s("circle", { cx, cy: y(p.d[rate].rate), r: 3.5 }, s("title", {}, `${v.variant} ${p.d.day}: ${interval(p.d[rate])}, ${p.d.impressions} impressions`)));
    }
    svg.append(g);
  });
  return svg;
}

function legend(res: Results): HTMLElement {
  return h("ul", { class: "legend" }, res.variants.map((v, n) =>
    h("li", null, s("svg", { viewBox: "0 0 12 12", width: 12, height: 12, "aria-hidden": "true" }, s("circle", { cx: 6, cy: 6, r: 5, fill: colours[n % colours.length] })),
      ` ${v.variant}${v.variant === res.control ? " (control)" : ""}, ${v.share}%`)));
}

function pValue(c: Comparison | undefined): string {
  if (!c) return "—";
  return c.p_value < 0.001 ? "< 0.001" : num(c.p_value, 3);
}

function totalsTable(res: Results): HTMLElement {
  const table = h("table", { class: "results" },
    h("caption", null, "In all: each rate with its 95 % interval (Wilson); p: two-proportion z-test against the control"),
    h("thead", null, h("tr", null, ["Variant", "Impressions", "Clicks", "CTR", "p", "Add to cart", "p", "Purchases", "Conversion", "p"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", null, res.variants.map((v) => h("tr", { "data-variant": v.variant },
      h("th", { scope: "row" }, v.variant, v.variant === res.control ? " (control)" : ""),
      h("td", { class: "num" }, String(v.totals.impressions)), h("td", { class: "num" }, String(v.totals.clicks)),
      h("td", { class: "num" }, interval(v.totals.ctr)), h("td", { class: "num" }, pValue(v.vs_control?.ctr)),
      h("td", { class: "num" }, interval(v.totals.add_to_cart_rate)), h("td", { class: "num" }, pValue(v.vs_control?.add_to_cart_rate)),
      h("td", { class: "num" }, String(v.totals.purchases)),
      h("td", { class: "num" }, interval(v.totals.conversion)), h("td", { class: "num" }, pValue(v.vs_control?.conversion))))));
  return scrollTable("Totals per variant", table);
}

function changes(v: Variant, rules: Map<string, Rule>): string {
  const parts = Object.entries(v.weights).map(([k, f]) => `${k} ×${num(f)}`);
  for (const id of v.rule_ids) parts.push(`rule “${rules.get(id)?.name || id}”`);
  return parts.length ? parts.join(", ") : "nothing (as outside the experiment)";
}

/** dashboardPage renders the dashboard. */
export async function dashboardPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  main.replaceChildren(h("h1", { tabindex: -1 }, "Merchandiser: dashboard"), h("p", { class: "muted" }, "Loading…"));
  let experiments: Experiment[], rules: Rule[];
  try {
    [{ experiments }, { rules }] = await Promise.all([getJSON<{ experiments: Experiment[] }>("/v1/experiments"), getJSON<{ rules: Rule[] }>("/v1/rules")]);
  } catch (e) {
    main.replaceChildren(h("h1", { tabindex: -1 }, "Merchandiser: dashboard"), errorBox(e, () => void dashboardPage(main, params)));
    return;
  }
  const byID = new Map(rules.map((r) => [r.id, r]));
  const chosen = experiments.find((e) => e.id === params.get("experiment")) || experiments.find((e) => e.in_force) || experiments[0];
  const inForceRules = rules.filter((r) => inForce(r.from, r.until));
  const section = h("section", { "aria-labelledby": "exp-title" }, h("h2", { id: "exp-title" }, chosen ? `Experiment “${chosen.name}”` : "Experiments"));
  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Merchandiser: dashboard"),
    h("p", { class: "lead" }, "What the recommendations earn, per experiment variant and day. An impression is a recommended product the app reported showing (an event carrying the answer's recommendation_id); each rate is a share of impressions."),
    section,
    h("section", { "aria-labelledby": "force-title" }, h("h2", { id: "force-title" }, "In force now"),
      h("h3", null, "Experiments"),
      experiments.some((e) => e.in_force)
        ? h("ul", { class: "in-force experiments" }, experiments.filter((e) => e.in_force).map((e) => h("li", null, h("a", { href: `#/dashboard?experiment=${encodeURIComponent(e.id)}` }, e.name),
          ": ", e.variants.map((v) => `${v.name} ${v.share}% (${changes(v, byID)})`).join("; "))))
        : h("p", { class: "muted" }, "No experiment is in force."),
      h("h3", null, "Rules"),
      inForceRules.length
        ? h("ul", { class: "in-force rules" }, inForceRules.map((r) => h("li", null, h("strong", null, r.name), ` (${r.kind}): ${target(r)}`,
          experiments.some((e) => e.variants.some((v) => v.rule_ids.includes(r.id))) ? " — experiment variants only" : "")))
        : h("p", { class: "muted" }, "No rule is in force."),
      h("p", null, h("a", { href: "#/rules" }, "Edit the rules"))),
    ...(experiments.length > 1 ? [h("nav", { "aria-label": "Experiments" }, h("h2", null, "All experiments"), h("ul", null, experiments.map((e) =>
      h("li", null, h("a", { href: `#/dashboard?experiment=${encodeURIComponent(e.id)}`, "aria-current": e.id === chosen?.id ? "page" : null }, e.name), e.in_force ? " (in force)" : ""))))]
      : []),
  );
  if (!chosen) {
    section.append(h("p", { class: "muted" }, "No experiment yet: create one with POST /v1/experiments (README, Experiments)."));
    return;
  }
  section.append(h("p", { class: "muted" }, chosen.in_force ? "In force. " : "Not in force. ", `Control: ${chosen.control}.`));
  try {
    const res = await getJSON<Results>(`/v1/experiments/${encodeURIComponent(chosen.id)}/results`);
    section.append(totalsTable(res));
    if (!res.variants[0]?.days.length) {
      section.append(h("p", { class: "muted" }, "No attributed events yet."));
      return;
    }
    section.append(legend(res), h("div", { class: "charts" }, rates.map((r) => h("figure", { class: "rate" }, h("figcaption", null, r.label), chart(res, r.key, r.label)))));
  } catch (e) {
    section.append(errorBox(e, () => void dashboardPage(main, params)));
  }
}
