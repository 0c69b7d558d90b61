// explorer.ts: the analysts' Cypher explorer: a query with JSON parameters, a results table,
// CSV download, the limits, and the server's message when a query is refused.

import { call, Config, CypherResponse, postJSON } from "./api";
import { announce, h } from "./dom";
import { cellText, errorBox, field, scrollTable } from "./widgets";

const sample = "MATCH (p:Product)-[c:CONTAINS]->(i:Ingredient {inci: $inci})\nRETURN p.id AS id, p.name AS name, p.brand AS brand, p.price AS price, c.position AS position\nORDER BY position, price\nLIMIT 25";

/** explorerPage renders the explorer; q and p in the URL prefill the query and parameters. */
export function explorerPage(main: HTMLElement, cfg: Config, params: URLSearchParams): void {
  const lim = cfg.cypher;
  const query = h("textarea", { name: "query", rows: 7, spellcheck: "false", class: "code", required: true });
  query.value = params.get("q") || sample;
  const ps = h("textarea", { name: "params", rows: 3, spellcheck: "false", class: "code" });
  ps.value = params.get("p") || (params.get("q") ? "{}" : '{"inci": "niacinamide"}');
  const limit = h("input", { name: "limit", type: "number", min: 1, max: lim.max_rows, value: lim.default_rows });
  const timeout = h("input", { name: "timeout_ms", type: "number", min: 1, max: lim.max_timeout_ms, value: lim.default_timeout_ms });
  const run = h("button", { type: "submit", class: "button primary" }, "Run query");
  const csv = h("button", { type: "button", class: "button" }, "Download CSV");
  const out = h("div", { class: "explorer-result" }, h("p", { class: "muted" }, "Run a query to see its rows here."));
  const form = h("form", { class: "explorer", novalidate: true },
    field("Cypher query", query, "Read-only: Neo4j itself refuses writes. Ctrl+Enter runs the query."),
    field("Parameters (JSON object)", ps, "Referenced as $name in the query."),
    h("div", { class: "row" },
      field("Row limit", limit, `1 to ${lim.max_rows.toLocaleString("en")}`),
      field("Timeout (ms)", timeout, `1 to ${lim.max_timeout_ms.toLocaleString("en")}`)),
    h("div", { class: "actions" }, run, csv),
  );
  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Explorer"),
    h("p", { class: "lead limits" }, `Run read-only Cypher on the live graph. Limits: at most ${lim.max_rows.toLocaleString("en")} rows (default ${lim.default_rows.toLocaleString("en")}) and ${lim.max_timeout_ms / 1000} s (default ${lim.default_timeout_ms / 1000} s) per query.`),
    form, h("section", { "aria-labelledby": "res-title" }, h("h2", { id: "res-title" }, "Results"), out),
  );

  const request = (): { query: string; params: Record<string, unknown>; limit: number; timeout_ms: number } | null => {
    let p: unknown = {};
    if (ps.value.trim()) {
      try {
        p = JSON.parse(ps.value);
      } catch (e) {
        out.replaceChildren(h("div", { class: "error", role: "alert" }, h("p", { class: "error-title" }, "The parameters are not valid JSON"), h("p", null, String(e))));
        ps.focus();
        return null;
      }
      if (typeof p !== "object" || p === null || Array.isArray(p)) {
        out.replaceChildren(h("div", { class: "error", role: "alert" }, h("p", { class: "error-title" }, "The parameters must be a JSON object, like {\"inci\": \"niacinamide\"}")));
        ps.focus();
        return null;
      }
    }
    return { query: query.value, params: p as Record<string, unknown>, limit: Number(limit.value) || lim.default_rows, timeout_ms: Number(timeout.value) || lim.default_timeout_ms };
  };

  const exec = async () => {
    const req = request();
    if (!req) return;
    out.replaceChildren(h("p", { class: "muted" }, "Running…"));
    out.setAttribute("aria-busy", "true");
    try {
      const res = await postJSON<CypherResponse>("/v1/cypher", req);
      const table = h("table", { class: "results-table" },
        h("caption", null, `${res.rows.length} row${res.rows.length === 1 ? "" : "s"} in ${res.elapsed_ms} ms${res.truncated ? " (truncated at the row limit)" : ""}`),
        h("thead", null, h("tr", null, res.columns.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", null, res.rows.map((r) => h("tr", null, r.map((v) => h("td", null, cellText(v)))))));
      out.replaceChildren(res.truncated ? h("p", { class: "banner" }, `Only the first ${req.limit} rows are shown: raise the limit (at most ${lim.max_rows}) or narrow the query.`) : "", scrollTable("Query results", table));
      announce(`${res.rows.length} rows${res.truncated ? ", truncated" : ""}.`);
    } catch (e) {
      out.replaceChildren(errorBox(e));
      announce("The query was refused or failed.");
    } finally {
      out.removeAttribute("aria-busy");
    }
  };

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void exec();
  });
  query.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      void exec();
    }
  });
  csv.addEventListener("click", async () => {
    const req = request();
    if (!req) return;
    try {
      const resp = await call("/v1/cypher", { method: "POST", headers: { "Content-Type": "application/json", Accept: "text/csv" }, body: JSON.stringify(req) });
      const url = URL.createObjectURL(await resp.blob());
      const a = h("a", { href: url, download: "query.csv", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10000);
      announce("CSV downloaded.");
    } catch (e) {
      out.replaceChildren(errorBox(e));
      announce("The CSV download failed.");
    }
  });
}
