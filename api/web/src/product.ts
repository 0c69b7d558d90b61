// product.ts: the product page: details, ingredients with functions and flags, outcomes by
// skin type as a bar chart, and similar products with their why.

import { getJSON, Outcome, ProductDetail, SimilarResponse } from "./api";
import { announce, h, money, num, pct } from "./dom";
import { errorBox, scrollTable, skeletons, whyList } from "./widgets";

function chips(label: string, items: string[]): HTMLElement | null {
  if (!items.length) return null;
  return h("div", { class: "chips-row" }, h("span", { class: "chips-label" }, `${label}: `),
    h("ul", { class: "chips" }, items.map((x) => h("li", null, x.replace(/-/g, " ")))));
}

function flags(comedogenic: number | null, mayContain?: boolean): string[] {
  const out: string[] = [];
  if (comedogenic !== null && comedogenic >= 3) out.push(`pore-clogging risk ${comedogenic}/5`);
  else if (comedogenic !== null && comedogenic > 0) out.push(`comedogenic ${comedogenic}/5`);
  if (mayContain) out.push("may contain");
  return out;
}

/** bar is a rating out of 5 as a bar (its width set through the CSSOM, which the CSP allows). */
function bar(rating: number): HTMLElement {
  const el = h("span", { class: "bar", "aria-hidden": "true" });
  el.style.width = `${Math.max(2, (rating / 5) * 100)}%`;
  return el;
}

/** outcomeChart draws one row per skin type: mean rating out of 5 as a bar, with count and recommend rate. */
function outcomeChart(outcomes: Outcome[]): HTMLElement {
  const rows = outcomes.filter((o) => o.kind === "skin_type").sort((a, b) => a.attribute.localeCompare(b.attribute));
  if (!rows.length) return h("p", { class: "muted" }, "No reviews with a skin type yet.");
  const table = h("table", { class: "chart" },
    h("caption", null, "Mean rating (out of 5) by reviewers' skin type"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Skin type"), h("th", { scope: "col" }, "Mean rating"), h("th", { scope: "col" }, "Reviews"), h("th", { scope: "col" }, "Recommend"), h("th", { scope: "col" }, "Reported effects"))),
    h("tbody", null, rows.map((o) => h("tr", null,
      h("th", { scope: "row" }, o.attribute),
      h("td", null, h("div", { class: "bar-cell" },
        bar(o.mean_rating),
        h("span", { class: "bar-value" }, num(o.mean_rating, 1)))),
      h("td", { class: "num" }, String(o.count)),
      h("td", { class: "num" }, pct(o.recommend_rate)),
      h("td", null, Object.entries(o.effects || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")),
    ))),
  );
  return scrollTable("Outcomes by skin type", table);
}

/** productPage renders a product and its similar products. */
export async function productPage(main: HTMLElement, pid: string): Promise<void> {
  const title = h("h1", { tabindex: -1 }, "Product");
  main.replaceChildren(title, h("div", { class: "cards", "aria-busy": "true" }, skeletons(2)));
  let p: ProductDetail;
  try {
    p = await getJSON<ProductDetail>(`/v1/products/${encodeURIComponent(pid)}`);
  } catch (e) {
    main.replaceChildren(title, errorBox(e, () => void productPage(main, pid)));
    announce("The product could not be loaded.");
    return;
  }
  title.textContent = p.name;
  document.title = `${p.name} · skingraph`;
  const similar = h("section", { "aria-labelledby": "similar-title" }, h("h2", { id: "similar-title" }, "Similar products"),
    h("div", { class: "cards", "aria-busy": "true" }, skeletons(2)));
  const ingredients = h("table", null,
    h("caption", null, `${p.ingredients.length} ingredients in label order`),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, "Ingredient"), h("th", { scope: "col" }, "Functions"), h("th", { scope: "col" }, "Flags"))),
    h("tbody", null, p.ingredients.map((i) => h("tr", null,
      h("td", { class: "num" }, String(i.position || "")),
      h("td", null, h("a", { href: `#/explorer?q=${encodeURIComponent(`MATCH (i:Ingredient {inci: $inci}) OPTIONAL MATCH (i)-[t:TREATS]->(c:Concern) RETURN i.inci AS inci, c.name AS concern, t.efficacy AS efficacy, t.evidence AS evidence`)}&p=${encodeURIComponent(JSON.stringify({ inci: i.inci }))}` }, i.name),
        i.concentration ? h("span", { class: "small" }, ` ${i.concentration}`) : null),
      h("td", null, i.functions.join(", ")),
      h("td", null, flags(i.comedogenic, i.may_contain).map((f) => h("span", { class: `flag ${f.startsWith("pore") ? "flag-warn" : ""}` }, f))),
    ))),
  );
  main.replaceChildren(
    title,
    h("p", { class: "meta lead" }, [p.brand, p.category + (p.subcategory ? ` / ${p.subcategory}` : ""), p.price ? money(p.price) : "", p.size || "",
      p.review_count ? `★ ${num(p.rating, 1)} from ${p.review_count} reviews` : "no reviews yet"].filter(Boolean).join(" · ")),
    h("div", { class: "chips-block" }, chips("Highlights", p.highlights), chips("Brand claims", p.claims), chips("Suits skin types", p.suits)),
    h("section", { "aria-labelledby": "outcomes-title" }, h("h2", { id: "outcomes-title" }, "What people with each skin type reported"), outcomeChart(p.outcomes)),
    h("section", { "aria-labelledby": "ingredients-title" }, h("h2", { id: "ingredients-title" }, "Ingredients"), scrollTable("Ingredients", ingredients)),
    similar,
  );
  announce(`${p.name} loaded.`);
  try {
    const sim = await getJSON<SimilarResponse>(`/v1/products/${encodeURIComponent(pid)}/similar?limit=6`);
    similar.replaceChildren(similar.firstChild as Node, sim.items.length
      ? h("div", { class: "cards" }, sim.items.map((it) => h("article", { class: "card", "data-product-id": it.product.id },
        h("div", { class: "card-head" }, h("h3", null, h("a", { href: `#/product/${encodeURIComponent(it.product.id)}` }, it.product.name)),
          h("span", { class: "score" }, `similarity ${num(it.similarity, 2)}`)),
        h("p", { class: "meta" }, [it.product.brand, it.product.category, it.product.price ? money(it.product.price) : ""].filter(Boolean).join(" · ")),
        whyList(it.why, { explorerLinks: false }))))
      : h("p", { class: "muted" }, "No similar products."));
  } catch (e) {
    similar.replaceChildren(similar.firstChild as Node, errorBox(e));
  }
}
