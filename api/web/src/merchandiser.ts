// merchandiser.ts: upload an efficacy or product file, dry-run it first, see every bad row in a
// table, then commit and see the new data version.

import { ApiError, call, Config, getJSON, LoadResponse } from "./api";
import { announce, h } from "./dom";
import { errorBox, field, scrollTable } from "./widgets";

interface Kind {
  value: string;
  label: string;
  path: string;
  accept: string;
  hint: string;
}

const kinds: Kind[] = [
  { value: "efficacy", label: "Efficacy claims", path: "/v1/efficacy", accept: ".csv,.json,.jsonl,.ndjson,text/csv,application/json",
    hint: "CSV with a header row, a JSON array or JSON Lines: subject_type, subject, concern, skin_type, effect_size, sample_size, evidence, source, date (datasets/EFFICACY.md)." },
  { value: "products", label: "Products", path: "/v1/products", accept: ".json,.jsonl,.ndjson,application/json",
    hint: "JSON Lines or a JSON array of products in the catalogue format (datasets/README.md)." },
];

/** contentType picks the media type from the file name, or sniffs pasted text. */
export function contentType(name: string, text: string): string {
  const n = name.toLowerCase();
  if (n.endsWith(".csv")) return "text/csv";
  if (/\.(json|jsonl|ndjson)$/.test(n)) return "application/json";
  const c = text.trimStart()[0];
  return c === "[" || c === "{" ? "application/json" : "text/csv";
}

/** merchandiserPage renders the upload page. */
export function merchandiserPage(main: HTMLElement, cfg: Config): void {
  const version = h("strong", { class: "data-version" }, "…");
  const kindSet = h("fieldset", { class: "checks" }, h("legend", null, "What are you loading?"),
    h("div", { class: "check-grid" }, kinds.map((k, i) => h("label", { class: "check" },
      h("input", { type: "radio", name: "kind", value: k.value, checked: i === 0 }), " ", k.label))));
  const hint = h("p", { class: "hint", id: "file-hint" }, kinds[0].hint);
  const file = h("input", { type: "file", name: "file", accept: kinds[0].accept, "aria-describedby": "file-hint" });
  const paste = h("textarea", { name: "text", rows: 6, spellcheck: "false", placeholder: "subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date" });
  const check = h("button", { type: "submit", class: "button primary" }, "Check (dry run)");
  const commit = h("button", { type: "button", class: "button", disabled: true }, "Commit");
  const out = h("div", { class: "upload-result" });
  const form = h("form", { class: "upload", novalidate: true },
    kindSet,
    h("div", { class: "field" }, h("label", { for: "upload-file" }, "File"), Object.assign(file, { id: "upload-file" }), hint),
    field("…or paste the file's content", paste),
    h("div", { class: "actions" }, check, commit),
  );
  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Merchandiser: load data"),
    h("p", { class: "lead" }, "Check a file with a dry run first: every bad row is listed and nothing is written. Commit only when it is clean; a load is all or nothing, and loading the same file again changes nothing."),
    h("p", null, "Current data version: ", version, `. Files up to ${Math.round(cfg.max_upload_bytes / (1 << 20))} MB.`),
    form, h("section", { "aria-labelledby": "result-title" }, h("h2", { id: "result-title", class: "visually-hidden" }, "Result"), out),
  );
  const refreshVersion = () => getJSON<{ data_version: number }>("/v1/status").then((s) => (version.textContent = String(s.data_version)), () => (version.textContent = "unknown"));
  void refreshVersion();

  const kind = (): Kind => kinds.find((k) => k.value === (form.elements.namedItem("kind") as RadioNodeList).value) || kinds[0];
  kindSet.addEventListener("change", () => {
    const k = kind();
    hint.textContent = k.hint;
    file.accept = k.accept;
    commit.disabled = true;
  });
  let checked: { body: string; type: string; kind: Kind } | null = null;
  form.addEventListener("input", (ev) => {
    if (ev.target !== kindSet) commit.disabled = true;
  });

  const body = async (): Promise<{ text: string; type: string } | null> => {
    const f = file.files && file.files[0];
    if (f) {
      const text = await f.text();
      return { text, type: contentType(f.name, text) };
    }
    if (paste.value.trim()) return { text: paste.value, type: contentType("", paste.value) };
    return null;
  };

  const send = async (k: Kind, text: string, type: string, dryRun: boolean) => {
    out.replaceChildren(h("p", { class: "muted" }, dryRun ? "Checking…" : "Loading…"));
    check.disabled = true;
    commit.disabled = true;
    try {
      const resp = await call(`${k.path}${dryRun ? "?dry_run=true" : ""}`, { method: "POST", headers: { "Content-Type": type, Accept: "application/json" }, body: text });
      const res = (await resp.json()) as LoadResponse;
      const c = res.counts;
      const counts = `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
      if (dryRun) {
        checked = { body: text, type, kind: k };
        commit.disabled = false;
        out.replaceChildren(h("div", { class: "ok", role: "status" }, h("p", null, h("strong", null, "The file is valid. "), `A commit would give: ${counts}. Nothing was written.`)));
        announce(`Dry run passed: ${counts}.`);
      } else {
        checked = null;
        version.textContent = String(res.data_version);
        out.replaceChildren(h("div", { class: "ok", role: "status" }, h("p", null, h("strong", null, "Loaded. "),
          `${counts}. Data version is now `, h("strong", { class: "new-version" }, String(res.data_version)), `. Load id ${res.load_id}${res.changed ? "" : " (nothing changed)"}.`)));
        announce(`Loaded; data version ${res.data_version}.`);
      }
    } catch (e) {
      checked = null;
      if (e instanceof ApiError && e.problem.errors && e.problem.errors.length) {
        const errs = e.problem.errors;
        const table = h("table", { class: "row-errors" },
          h("caption", null, `${errs.length} problem${errs.length === 1 ? "" : "s"}; nothing was written`),
          h("thead", null, h("tr", null, h("th", { scope: "col" }, "Row"), h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Problem"))),
          h("tbody", null, errs.map((x) => h("tr", null, h("td", { class: "num" }, x.row ? String(x.row) : "–"), h("td", null, h("code", null, x.field)), h("td", null, x.message)))));
        out.replaceChildren(h("div", { class: "error", role: "alert" }, h("p", { class: "error-title" }, `${e.problem.title} (${e.status})`), e.problem.detail ? h("p", null, e.problem.detail) : null), scrollTable("Bad rows", table));
        announce(`${errs.length} problems found; nothing was written.`);
      } else {
        out.replaceChildren(errorBox(e, () => void send(k, text, type, dryRun)));
        announce("The upload failed.");
      }
    } finally {
      check.disabled = false;
    }
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const b = await body();
    if (!b) {
      out.replaceChildren(h("div", { class: "error", role: "alert" }, h("p", null, "Choose a file or paste its content first.")));
      file.focus();
      return;
    }
    await send(kind(), b.text, b.type, true);
  });
  commit.addEventListener("click", () => {
    if (checked) void send(checked.kind, checked.body, checked.type, false);
  });
}
