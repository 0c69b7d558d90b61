// find.ts: "Find my products": the profile form, the recommendation cards with their why,
// load more, skeletons, the error state with retry and the degraded banner. The URL hash holds
// the profile (#/find?skin_type=oily&concerns=acne&...) so a result can be shared and reloaded.

import { ApiError, Config, postJSON, RecItem, RecResponse } from "./api";
import { announce, h, money, num } from "./dom";
import { errorBox, field, skeletons, whyList } from "./widgets";

const pageSize = 10;

/** Query is the profile and filters as the form and the URL hold them. */
interface Query {
  skin_type: string;
  skin_tone: string;
  concerns: string[];
  sensitivities: string[];
  avoid_ingredients: string[];
  category: string;
  max_price: string;
}

/** splitNames splits "Alcohol Denat., Niacinamide; 1,2-Hexanediol" into names (a comma inside a name stays). */
export function splitNames(s: string): string[] {
  return s.split(/;|\n|,(?=\s|$)/).map((x) => x.trim()).filter(Boolean);
}

function fromParams(p: URLSearchParams): Query {
  return {
    skin_type: p.get("skin_type") || "",
    skin_tone: p.get("skin_tone") || "",
    concerns: p.getAll("concerns"),
    sensitivities: p.getAll("sensitivities"),
    avoid_ingredients: p.getAll("avoid_ingredients"),
    category: p.get("category") || "",
    max_price: p.get("max_price") || "",
  };
}

function toParams(q: Query): URLSearchParams {
  const p = new URLSearchParams();
  if (q.skin_type) p.set("skin_type", q.skin_type);
  if (q.skin_tone) p.set("skin_tone", q.skin_tone);
  q.concerns.forEach((c) => p.append("concerns", c));
  q.sensitivities.forEach((c) => p.append("sensitivities", c));
  q.avoid_ingredients.forEach((c) => p.append("avoid_ingredients", c));
  if (q.category) p.set("category", q.category);
  if (q.max_price) p.set("max_price", q.max_price);
  return p;
}

function toBody(q: Query, cursor?: string): unknown {
  return {
    profile: {
      skin_type: q.skin_type || undefined,
      skin_tone: q.skin_tone || undefined,
      concerns: q.concerns,
      sensitivities: q.sensitivities,
      avoid_ingredients: q.avoid_ingredients,
    },
    filters: { categories: q.category ? [q.category] : [], max_price: q.max_price ? Number(q.max_price) : 0 },
    limit: pageSize,
    explain: "full",
    cursor: cursor || undefined,
  };
}

function label(s: string): string {
  return s.replace(/-/g, " ");
}

function select(name: string, options: string[], any: string): HTMLSelectElement {
  return h("select", { name }, h("option", { value: "" }, any), options.map((o) => h("option", { value: o }, label(o))));
}

function checkboxes(legend: string, name: string, options: string[]): HTMLFieldSetElement {
  return h("fieldset", { class: "checks" }, h("legend", null, legend),
    h("div", { class: "check-grid" }, options.map((o) => h("label", { class: "check" }, h("input", { type: "checkbox", name, value: o }), " ", label(o)))));
}

/** card renders one recommendation; names maps the ids of the products shown so far to names. */
function card(it: RecItem, rank: number, names: Map<string, string>): HTMLElement {
  const p = it.product;
  return h("article", { class: "card rec", "data-product-id": p.id, tabindex: -1, "aria-labelledby": `t-${p.id}` },
    h("div", { class: "card-head" },
      h("h3", { id: `t-${p.id}` }, h("span", { class: "rank" }, `${rank}. `), h("a", { href: `#/product/${encodeURIComponent(p.id)}` }, p.name)),
      h("span", { class: "score", title: "score: the sum of the contributions below" }, `score ${num(it.score, 3)}`),
    ),
    h("p", { class: "meta" }, [p.brand, label(p.category || ""), p.price ? money(p.price) : "", p.review_count ? `★ ${num(p.rating, 1)} (${p.review_count} reviews)` : "no reviews yet"].filter(Boolean).join(" · ")),
    it.warnings && it.warnings.length
      ? h("div", { class: "warnings", role: "note" }, h("strong", null, "Routine conflict: "),
        h("ul", null, it.warnings.map((w) => h("li", null, w.text, " ", h("a", { href: `#/product/${encodeURIComponent(w.with)}` }, `See ${names.get(w.with) || w.with}`)))))
      : null,
    h("h4", { class: "why-title" }, "Why"),
    whyList(it.why || []),
  );
}

/** findPage renders the page into main and runs the query of the URL, if any. */
export function findPage(main: HTMLElement, cfg: Config, params: URLSearchParams): void {
  const form = h("form", { class: "profile", "aria-labelledby": "find-title", novalidate: true },
    h("div", { class: "row" },
      field("Skin type", select("skin_type", cfg.skin_types, "Any skin type")),
      field("Skin tone", select("skin_tone", cfg.skin_tones, "Any skin tone")),
      field("Category", select("category", cfg.categories, "Any category")),
      field("Budget (max price, $)", h("input", { name: "max_price", type: "number", min: 0, step: "0.01", inputmode: "decimal" }), "Leave empty for no limit."),
    ),
    checkboxes("Concerns", "concerns", cfg.concerns),
    checkboxes("Sensitivities (products that aggravate them are never shown)", "sensitivities", cfg.sensitivities),
    field("Ingredients to avoid", h("input", { name: "avoid_ingredients", type: "text", autocomplete: "off", placeholder: "e.g. Alcohol Denat., Niacinamide" }),
      "Separate names with commas or semicolons; any spelling on a label works. Products containing them are never shown."),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button primary" }, "Find products")),
  );
  const banner = h("div", { class: "banner", role: "status", hidden: true });
  const summary = h("p", { class: "summary" });
  const list = h("div", { class: "cards", "aria-live": "off" });
  const errorSlot = h("div");
  const more = h("button", { type: "button", class: "button", hidden: true }, "Load more");
  const results = h("section", { class: "results", "aria-labelledby": "results-title", hidden: true },
    h("h2", { id: "results-title" }, "Recommendations"), banner, summary, errorSlot, list, h("div", { class: "actions" }, more));

  main.replaceChildren(
    h("h1", { id: "find-title", tabindex: -1 }, "Find my products"),
    h("p", { class: "lead" }, "Tell us about your skin. Every product comes with the reasons it was chosen, their numbers, and the graph path behind each one."),
    form, results,
  );

  let query: Query | null = null;
  let cursor: string | null = null;
  let shown = 0;
  const names = new Map<string, string>();
  let ctl: AbortController | null = null;

  const fill = (q: Query) => {
    (form.elements.namedItem("skin_type") as HTMLSelectElement).value = q.skin_type;
    (form.elements.namedItem("skin_tone") as HTMLSelectElement).value = q.skin_tone;
    (form.elements.namedItem("category") as HTMLSelectElement).value = q.category;
    (form.elements.namedItem("max_price") as HTMLInputElement).value = q.max_price;
    (form.elements.namedItem("avoid_ingredients") as HTMLInputElement).value = q.avoid_ingredients.join(", ");
    form.querySelectorAll<HTMLInputElement>("input[type=checkbox]").forEach((cb) => {
      cb.checked = (cb.name === "concerns" ? q.concerns : q.sensitivities).includes(cb.value);
    });
  };
  const read = (): Query => {
    const fd = new FormData(form);
    return {
      skin_type: String(fd.get("skin_type") || ""),
      skin_tone: String(fd.get("skin_tone") || ""),
      concerns: fd.getAll("concerns").map(String),
      sensitivities: fd.getAll("sensitivities").map(String),
      avoid_ingredients: splitNames(String(fd.get("avoid_ingredients") || "")),
      category: String(fd.get("category") || ""),
      max_price: String(fd.get("max_price") || ""),
    };
  };

  const load = async (append: boolean) => {
    if (!query) return;
    ctl?.abort();
    ctl = new AbortController();
    const signal = ctl.signal;
    results.hidden = false;
    errorSlot.replaceChildren();
    more.hidden = true;
    list.setAttribute("aria-busy", "true");
    const sk = skeletons(append ? 2 : 3);
    if (!append) {
      list.replaceChildren(...sk);
      summary.textContent = "Loading recommendations…";
      banner.hidden = true;
    } else list.append(...sk);
    try {
      const res = await postJSON<RecResponse>("/v1/recommendations", toBody(query, append ? cursor || undefined : undefined), signal);
      sk.forEach((e) => e.remove());
      const first = shown;
      res.items.forEach((it) => names.set(it.product.id, it.product.name));
      const cards = res.items.map((it, i) => card(it, first + i + 1, names));
      list.append(...cards);
      shown += res.items.length;
      cursor = res.next_cursor;
      more.hidden = !cursor;
      banner.hidden = !res.degraded;
      banner.textContent = res.degraded ? "Degraded: the engine could not refresh its data and is serving the last good version; results may be out of date." : "";
      const excluded = res.excluded.count ? ` ${res.excluded.count} left out because they contain an avoided ingredient or one you are sensitive to.` : "";
      summary.textContent = res.total === 0 ? `No product matches this profile and these filters.${excluded}` : `Showing ${shown} of ${res.total} products (data version ${res.data_version}).${excluded}`;
      announce(append ? `${res.items.length} more products loaded; showing ${shown} of ${res.total}.` : `${res.total} products found; showing ${shown}.`);
      if (append && cards[0]) cards[0].focus();
    } catch (e) {
      if (signal.aborted) return;
      sk.forEach((el) => el.remove());
      if (!append) summary.textContent = "";
      // 409: the data changed under the cursor; retrying the page cannot work, start again.
      const stale = append && e instanceof ApiError && e.status === 409;
      errorSlot.replaceChildren(errorBox(e, stale ? () => query && run(query) : () => void load(append)));
      more.hidden = !cursor || !append;
      announce("Recommendations could not be loaded.");
      (errorSlot.querySelector("button") as HTMLButtonElement | null)?.focus();
    } finally {
      if (!signal.aborted) list.removeAttribute("aria-busy");
    }
  };

  const run = (q: Query) => {
    query = q;
    cursor = null;
    shown = 0;
    void load(false);
  };

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = read();
    history.pushState(null, "", `#/find?${toParams(q).toString()}`);
    run(q);
  });
  more.addEventListener("click", () => void load(true));

  const q = fromParams(params);
  fill(q);
  if ([...params.keys()].length > 0) run(q);
}
