// rules.ts: the merchandiser's rules page: every rule (in force or not), a form to create one
// or edit one (sent with If-Match: the revision it was read at, so a change made by someone
// else in between is refused, not overwritten), and delete.

import { ApiError, call, Config, getJSON, postJSON } from "./api";
import { announce, h } from "./dom";
import { errorBox, field, scrollTable } from "./widgets";

export interface Rule {
  id: string;
  name: string;
  kind: string;
  condition: { skin_types: string[]; concerns: string[]; categories: string[] };
  match: { brands: string[]; categories: string[]; ingredients: string[]; claims: string[]; product_ids: string[] };
  amount: number;
  product_id: string;
  position: number;
  from: string | null;
  until: string | null;
  revision: number;
  updated_by: string;
  updated_at: string;
}

/** inForce says whether a rule (or experiment) with this period is in force at now. */
export function inForce(from: string | null, until: string | null, now = Date.now()): boolean {
  return (!from || Date.parse(from) <= now) && (!until || now < Date.parse(until));
}

/** list splits a comma-separated input into its non-empty entries. */
export function list(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** localInput turns an RFC 3339 time into a datetime-local input's value (local time). */
function localInput(t: string | null): string {
  if (!t) return "";
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** target describes what a rule touches, in words. */
export function target(r: Rule): string {
  if (r.kind === "pin") return `${r.product_id} at position ${r.position}`;
  const parts: string[] = [];
  const m = r.match;
  if (m.brands.length) parts.push(`brand ${m.brands.join(" or ")}`);
  if (m.categories.length) parts.push(`category ${m.categories.join(" or ")}`);
  if (m.ingredients.length) parts.push(`contains ${m.ingredients.join(" or ")}`);
  if (m.claims.length) parts.push(`claims ${m.claims.join(" or ")}`);
  if (m.product_ids.length) parts.push(`id ${m.product_ids.join(" or ")}`);
  const what = parts.join(", ");
  return r.kind === "boost" ? `+${r.amount} to ${what}` : r.kind === "bury" ? `−${r.amount} to ${what}` : `hide ${what}`;
}

function condition(r: Rule): string {
  const c = r.condition;
  const parts = [c.skin_types.length ? `skin ${c.skin_types.join("/")}` : "", c.concerns.length ? `concern ${c.concerns.join("/")}` : "",
    c.categories.length ? `category ${c.categories.join("/")}` : ""].filter((s) => s);
  return parts.length ? parts.join("; ") : "every request";
}

function period(from: string | null, until: string | null): string {
  const d = (t: string) => new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  if (!from && !until) return "always";
  return `${from ? d(from) : "…"} – ${until ? d(until) : "…"}`;
}

/** rulesPage renders the rules page. */
export function rulesPage(main: HTMLElement, _cfg: Config): void {
  const input = (name: string, attrs: Record<string, string> = {}) => h("input", { type: "text", name, autocomplete: "off", ...attrs });
  const name = input("name", { required: "" });
  const kind = h("select", { name: "kind" }, ["boost", "bury", "filter", "pin"].map((k) => h("option", { value: k }, k)));
  const amount = input("amount", { inputmode: "decimal" });
  const productID = input("product_id");
  const position = input("position", { inputmode: "numeric" });
  const brands = input("brands"), categories = input("categories"), ingredients = input("ingredients"), claims = input("claims"), productIDs = input("product_ids");
  const condSkin = input("cond_skin_types"), condConcerns = input("cond_concerns"), condCategories = input("cond_categories");
  const from = h("input", { type: "datetime-local", name: "from" }), until = h("input", { type: "datetime-local", name: "until" });
  const save = h("button", { type: "submit", class: "button primary" }, "Create rule");
  const cancel = h("button", { type: "button", class: "button", hidden: true }, "Cancel edit");
  const heading = h("h2", { id: "rule-form-title" }, "New rule");
  const out = h("div", { class: "rule-result" });
  const listBox = h("div", { class: "rules-list" }, h("p", { class: "muted" }, "Loading rules…"));
  const matchSet = h("fieldset", { class: "checks" }, h("legend", null, "Products it touches (boost, bury, filter): every filled list must match; comma-separated"),
    h("div", { class: "row" }, field("Brands", brands), field("Categories", categories), field("Ingredients (any spelling)", ingredients),
      field("Claimed concerns", claims), field("Product ids", productIDs)));
  const pinSet = h("fieldset", { class: "checks" }, h("legend", null, "Pinned product (pin)"),
    h("div", { class: "row" }, field("Product id", productID), field("Position (1 = first)", position)));
  const form = h("form", { class: "rule-form", novalidate: true, "aria-labelledby": "rule-form-title" },
    heading,
    h("div", { class: "row" }, field("Name", name, "shown in why[] and in excluded reasons"), field("Kind", kind), field("Amount (boost, bury)", amount, "added to or taken from the score (scores are a few units)")),
    matchSet, pinSet,
    h("fieldset", { class: "checks" }, h("legend", null, "When it applies: every filled list must be met; comma-separated"),
      h("div", { class: "row" }, field("Skin types", condSkin), field("Concerns", condConcerns), field("Requested categories", condCategories))),
    h("div", { class: "row" }, field("In force from (your time)", from), field("Until (your time)", until)),
    h("div", { class: "actions" }, save, cancel));
  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Merchandiser: rules"),
    h("p", { class: "lead" }, "Rules steer the ranking: boost or bury products, hide them, or pin one at a position. Every rule that touches a product shows in its reasons with its contribution. A rule named by an experiment applies only to the experiment's variants that name it."),
    h("section", { "aria-labelledby": "rules-title" }, h("h2", { id: "rules-title" }, "Rules"), listBox),
    form, h("section", { "aria-label": "Result" }, out));

  let editing: Rule | null = null;
  const showKind = () => {
    const pin = kind.value === "pin";
    pinSet.hidden = !pin;
    matchSet.hidden = pin;
    amount.disabled = kind.value === "filter" || pin;
  };
  kind.addEventListener("change", showKind);
  showKind();

  const reset = () => {
    editing = null;
    form.reset();
    heading.textContent = "New rule";
    save.textContent = "Create rule";
    cancel.hidden = true;
    showKind();
  };
  cancel.addEventListener("click", () => {
    reset();
    out.replaceChildren();
  });

  const edit = (r: Rule) => {
    editing = r;
    name.value = r.name;
    kind.value = r.kind;
    amount.value = r.amount ? String(r.amount) : "";
    productID.value = r.product_id;
    position.value = r.position ? String(r.position) : "";
    brands.value = r.match.brands.join(", ");
    categories.value = r.match.categories.join(", ");
    ingredients.value = r.match.ingredients.join(", ");
    claims.value = r.match.claims.join(", ");
    productIDs.value = r.match.product_ids.join(", ");
    condSkin.value = r.condition.skin_types.join(", ");
    condConcerns.value = r.condition.concerns.join(", ");
    condCategories.value = r.condition.categories.join(", ");
    from.value = localInput(r.from);
    until.value = localInput(r.until);
    heading.textContent = `Edit rule “${r.name}” (revision ${r.revision})`;
    save.textContent = "Save changes";
    cancel.hidden = false;
    showKind();
    out.replaceChildren();
    name.focus();
  };

  const load = async () => {
    try {
      const { rules } = await getJSON<{ rules: Rule[] }>("/v1/rules");
      if (!rules.length) {
        listBox.replaceChildren(h("p", { class: "muted" }, "No rules yet."));
        return;
      }
      const table = h("table", { class: "rules" },
        h("thead", null, h("tr", null, ["Name", "Kind", "What", "When", "Period", "Rev.", "Changed by", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", null, rules.map((r) => h("tr", { "data-rule-id": r.id },
          h("th", { scope: "row" }, r.name, inForce(r.from, r.until) ? h("span", { class: "tag" }, "in force") : null),
          h("td", null, r.kind), h("td", null, target(r)), h("td", null, condition(r)), h("td", null, period(r.from, r.until)),
          h("td", { class: "num" }, String(r.revision)), h("td", null, r.updated_by || "—"),
          h("td", { class: "row-actions" },
            h("button", { type: "button", class: "button small", "aria-label": `Edit ${r.name}`, onclick: () => edit(r) }, "Edit"),
            h("button", { type: "button", class: "button small danger", "aria-label": `Delete ${r.name}`, onclick: () => void remove(r) }, "Delete"))))));
      listBox.replaceChildren(scrollTable("Rules", table));
    } catch (e) {
      listBox.replaceChildren(errorBox(e, () => void load()));
    }
  };

  const failed = (e: unknown, what: string) => {
    if (e instanceof ApiError && e.status === 412) {
      out.replaceChildren(h("div", { class: "error", role: "alert" },
        h("p", { class: "error-title" }, "Someone else changed this rule (412)"),
        h("p", null, `Your ${what} was not applied: the rule is no longer at the revision you opened. The list now shows its current version; open it again to edit.`)));
      announce(`The rule changed since you opened it; your ${what} was not applied.`);
      void load();
      return;
    }
    out.replaceChildren(errorBox(e));
    announce(`The ${what} failed.`);
  };

  const remove = async (r: Rule) => {
    try {
      await call(`/v1/rules/${encodeURIComponent(r.id)}`, { method: "DELETE", headers: { "If-Match": `"${r.revision}"` } });
      if (editing?.id === r.id) reset();
      out.replaceChildren(h("div", { class: "ok", role: "status" }, h("p", null, `Deleted rule “${r.name}”.`)));
      announce(`Deleted rule ${r.name}.`);
      await load();
    } catch (e) {
      failed(e, "delete");
    }
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const k = kind.value;
    const body: Record<string, unknown> = { name: name.value, kind: k };
    if (k === "boost" || k === "bury") body.amount = amount.value.trim() === "" ? 0 : Number(amount.value);
    if (k === "pin") {
      body.product_id = productID.value.trim();
      body.position = position.value.trim() === "" ? 0 : Number(position.value);
    } else {
      body.match = { brands: list(brands.value), categories: list(categories.value), ingredients: list(ingredients.value), claims: list(claims.value), product_ids: list(productIDs.value) };
    }
    body.condition = { skin_types: list(condSkin.value), concerns: list(condConcerns.value), categories: list(condCategories.value) };
    // Unbounded ends are left out (the API refuses null fields).
    if (from.value) body.from = new Date(from.value).toISOString();
    if (until.value) body.until = new Date(until.value).toISOString();
    save.disabled = true;
    try {
      let saved: Rule & { data_version: number };
      if (editing) {
        const resp = await call(`/v1/rules/${encodeURIComponent(editing.id)}`, {
          method: "PUT", headers: { "Content-Type": "application/json", Accept: "application/json", "If-Match": `"${editing.revision}"` }, body: JSON.stringify(body),
        });
        saved = await resp.json();
      } else {
        saved = await postJSON<Rule & { data_version: number }>("/v1/rules", body);
      }
      reset();
      out.replaceChildren(h("div", { class: "ok", role: "status" }, h("p", null, h("strong", null, "Saved. "),
        `Rule “${saved.name}” is at revision ${saved.revision}; data version ${saved.data_version}.`)));
      announce(`Saved rule ${saved.name}.`);
      await load();
    } catch (e) {
      failed(e, editing ? "change" : "new rule");
    } finally {
      save.disabled = false;
    }
  });
  void load();
}
