// Browser tests of the skingraph pages: playwright-core drives Debian's chromium (headless)
// against a running server with real data. Run by cmd/skingraph's TestWebPagesInBrowser:
//   SKINGRAPH_E2E_BASE=http://127.0.0.1:PORT SKINGRAPH_E2E_ARTIFACTS=DIR node --test e2e/ui.test.mjs
// It expects the demo catalogue loaded at data version 1. Screenshots of every page (desktop and
// phone width) go to SKINGRAPH_E2E_ARTIFACTS.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const base = process.env.SKINGRAPH_E2E_BASE;
const artifacts = process.env.SKINGRAPH_E2E_ARTIFACTS || join(tmpdir(), "skingraph-e2e");
const executablePath = process.env.SKINGRAPH_CHROMIUM || "/usr/bin/chromium";
if (!base) throw new Error("SKINGRAPH_E2E_BASE (the server's base URL) is required");
if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: apt-get install -y chromium (make test does this as root) or set SKINGRAPH_CHROMIUM`);
mkdirSync(artifacts, { recursive: true });

const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };
let browser;

// launch() gives chromium a fresh temporary --user-data-dir of its own (Playwright refuses one
// passed in args) and removes it on close.
before(async () => {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  await browser?.close();
});

/** page opens a fresh page that fails the test on any console error or uncaught exception.
 * bypassCSP lets axe-core be injected; the other pages run under the server's CSP, so a
 * violation of it shows up as a console error. */
async function open(viewport = desktop, { bypassCSP = false } = {}) {
  const ctx = await browser.newContext({ viewport, acceptDownloads: true, bypassCSP });
  const page = await ctx.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => {
    // Failed fetches the test provokes on purpose log a resource error: those are expected.
    if (m.type() === "error" && !m.text().includes("Failed to load resource")) page.errors.push(m.text());
  });
  return page;
}

async function close(page) {
  assert.deepEqual(page.errors, [], "the page logged errors");
  await page.context().close();
}

/** shot saves what a person sees (the viewport, scrolled to `at` when given) and the full page. */
async function shot(page, name, at) {
  if (at) await page.locator(at).first().evaluate((el) => el.scrollIntoView({ block: "start" }));
  else await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
  await page.screenshot({ path: join(artifacts, `${name}-full.png`), fullPage: true });
}

/** axe runs axe-core's WCAG 2 A and AA rules (labels, contrast, names, landmarks...) on the page. */
async function axe(page, what) {
  await page.addScriptTag({ content: axeSource });
  const res = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  const found = res.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("\n    ")}`);
  assert.deepEqual(found, [], `accessibility violations on ${what}`);
  assert.ok(res.passes.some((r) => r.id === "color-contrast"), `axe checked the contrast of ${what}`);
}

async function noSideScroll(page) {
  const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= iw, `the page scrolls sideways at ${iw}px wide (content is ${sw}px)`);
}

/** ingredientsOf reads a product's INCI keys from the API. */
async function ingredientsOf(id) {
  const r = await fetch(`${base}/v1/products/${encodeURIComponent(id)}`);
  assert.equal(r.status, 200, `GET product ${id}`);
  return (await r.json()).ingredients.map((i) => i.inci);
}

async function fillProfile(page) {
  await page.getByLabel("Skin type").selectOption("oily");
  await page.getByRole("checkbox", { name: "acne" }).check();
  await page.getByRole("checkbox", { name: "pores" }).check();
  await page.getByRole("checkbox", { name: "fragrance" }).check();
  await page.getByLabel("Ingredients to avoid").fill("Niacinamide, Alcohol Denat.");
}

const cards = (page) => page.locator("article.rec");

describe("find my products", () => {
  test("the form gives cards with reasons, evidence paths and Cypher; the URL holds the profile", async () => {
    const page = await open();
    await page.goto(`${base}/#/find`);
    await fillProfile(page);
    await page.getByRole("button", { name: "Find products" }).click();
    await cards(page).first().waitFor();
    assert.equal(await cards(page).count(), 10);
    const first = cards(page).first();
    const reasons = first.locator(".why-item");
    assert.ok((await reasons.count()) >= 2, "a card has reasons");
    // Every reason says its contribution as a signed number, and the why text carries numbers.
    for (const c of await first.locator(".contrib").allTextContents()) assert.match(c, /^[+−]\d+(\.\d+)?$/);
    assert.match(await first.locator(".why-item .text").allInnerTexts().then((t) => t.join(" ")), /\d/);
    // The evidence path opens into a readable chain and a graph; "Show Cypher" shows the query.
    await first.locator("details.evidence summary").first().click();
    assert.match(await first.locator(".chain").first().innerText(), /\[Product\].*-(CONTAINS|CLAIMS)/);
    assert.equal(await first.locator("svg.path-graph").first().isVisible(), true);
    const show = first.locator("button[aria-controls]").first();
    assert.equal(await show.innerText(), "Show Cypher");
    await show.click();
    assert.equal(await show.getAttribute("aria-expanded"), "true");
    assert.match(await first.locator("pre.cypher").first().innerText(), /^MATCH path = \(x:Product/);
    // "Run in explorer" runs that reason's Cypher on the live graph and finds its path.
    const cypher = await first.locator("pre.cypher").first().innerText();
    const explorerPage = await page.context().newPage();
    await explorerPage.goto(`${base}/${await first.locator(".why-extras a[href^='#/explorer']").first().getAttribute("href")}`);
    assert.equal(await explorerPage.getByLabel("Cypher query").inputValue(), cypher);
    await explorerPage.getByLabel("Cypher query").press("Control+Enter"); // the keyboard shortcut runs it
    const rows = explorerPage.getByRole("region", { name: "Query results" }).locator("tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1, "the reason's Cypher returns exactly its path");
    await explorerPage.close();
    // The live region announces the result; the URL carries the profile.
    await page.waitForFunction(() => /products found/.test(document.getElementById("live").textContent));
    const hash = new URL(page.url()).hash;
    for (const part of ["skin_type=oily", "concerns=acne", "concerns=pores", "sensitivities=fragrance", "avoid_ingredients=Niacinamide"]) {
      assert.ok(hash.includes(part), `URL ${hash} lacks ${part}`);
    }
    await shot(page, "find-desktop");
    await shot(page, "find-results-desktop", "#results-title");
    // Reloading the shared URL shows the same ranking.
    const ids = await cards(page).evaluateAll((els) => els.map((e) => e.dataset.productId));
    await page.reload();
    await cards(page).first().waitFor();
    assert.deepEqual(await cards(page).evaluateAll((els) => els.map((e) => e.dataset.productId)), ids);
    assert.equal(await page.getByLabel("Skin type").inputValue(), "oily");
    assert.equal(await page.getByRole("checkbox", { name: "acne" }).isChecked(), true);
    await close(page);
  });

  test("load more appends the next page; no avoided ingredient ever appears", async () => {
    const page = await open();
    await page.goto(`${base}/#/find`);
    await fillProfile(page);
    await page.getByRole("button", { name: "Find products" }).click();
    await cards(page).first().waitFor();
    await page.getByRole("button", { name: "Load more" }).click();
    await cards(page).nth(19).waitFor();
    const ids = await cards(page).evaluateAll((els) => els.map((e) => e.dataset.productId));
    assert.equal(ids.length, 20);
    assert.equal(new Set(ids).size, 20, "pages do not repeat products");
    // Focus moves to the first new card, so keyboard users continue where the new items start.
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.productId), ids[10]);
    assert.match(await page.locator(".summary").innerText(), /Showing 20 of \d+ products/);
    for (const id of ids) {
      const inci = await ingredientsOf(id);
      assert.ok(!inci.includes("niacinamide") && !inci.includes("alcohol denat"), `${id} contains an avoided ingredient: ${inci.join(", ")}`);
    }
    await close(page);
  });

  test("an API failure shows an error with retry; retry recovers", async () => {
    const page = await open();
    let fail = true;
    let held;
    const waiting = new Promise((resolve) => (held = resolve));
    await page.route("**/v1/recommendations", (route) => fail
      ? held(route)
      : route.continue());
    await page.goto(`${base}/#/find?skin_type=dry&concerns=aging`);
    // While the request is in flight: skeleton cards, and the list says it is busy.
    const route = await waiting;
    await page.locator(".card.skeleton").first().waitFor();
    assert.equal(await page.locator(".cards").getAttribute("aria-busy"), "true");
    await route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Service unavailable", status: 503, detail: "a dependency is unavailable; retry later" }) });
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Service unavailable \(503\)/);
    assert.equal(await cards(page).count(), 0);
    assert.equal(await page.locator(".card.skeleton").count(), 0, "skeletons go when the answer comes");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Retry", "focus moves to Retry");
    await shot(page, "find-error-desktop");
    fail = false;
    await alert.getByRole("button", { name: "Retry" }).click();
    await cards(page).first().waitFor();
    assert.equal(await page.getByRole("alert").count(), 0);
    await close(page);
  });

  test("routine conflicts between recommended products are flagged on the cards", async () => {
    const page = await open();
    await page.goto(`${base}/#/find?concerns=aging&concerns=texture`);
    await cards(page).first().waitFor();
    const warnings = page.locator("article.rec .warnings");
    assert.ok((await warnings.count()) >= 1, "at least one card warns of a routine conflict");
    assert.match(await warnings.first().innerText(), /Routine conflict:.*should not be used in the same routine/s);
    await warnings.first().scrollIntoViewIfNeeded();
    await shot(page, "find-warnings-desktop", "article.rec:has(.warnings)");
    await close(page);
  });

  test("a degraded answer shows a banner", async () => {
    const page = await open();
    await page.route("**/v1/recommendations", async (route) => {
      const resp = await route.fetch();
      const body = await resp.json();
      await route.fulfill({ response: resp, json: { ...body, degraded: true } });
    });
    await page.goto(`${base}/#/find?skin_type=normal`);
    await cards(page).first().waitFor();
    assert.match(await page.locator(".banner").innerText(), /Degraded/);
    await close(page);
  });

  test("keyboard only: skip link, form, submit with Enter", async () => {
    const page = await open();
    await page.goto(`${base}/#/find`);
    await page.locator("form.profile").waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "main");
    // The first control after the skip target is the skin type.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.name), "skin_type");
    await page.keyboard.press("ArrowDown"); // first choice after "Any skin type"
    for (let i = 0; i < 3; i++) await page.keyboard.press("Tab"); // tone, category, budget
    assert.equal(await page.evaluate(() => document.activeElement.name), "max_price");
    await page.keyboard.type("60");
    await page.keyboard.press("Enter");
    await cards(page).first().waitFor();
    assert.ok(new URL(page.url()).hash.includes("max_price=60"));
    await close(page);
  });
});

describe("product page", () => {
  test("details, ingredients with functions, outcomes chart, similar products with their why", async () => {
    for (const [vp, name] of [[desktop, "desktop"], [phone, "phone"]]) {
      const page = await open(vp);
      await page.goto(`${base}/#/product/demo-0203`);
      await page.getByRole("heading", { name: "Similar products" }).waitFor();
      await page.locator("section[aria-labelledby=similar-title] article").first().waitFor();
      assert.equal(await page.locator("h1").innerText(), "Feather Serum");
      const ingredients = page.getByRole("region", { name: "Ingredients" }).locator("tbody tr");
      assert.ok((await ingredients.count()) >= 5);
      assert.match(await ingredients.nth(1).innerText(), /Niacinamide/);
      const chart = page.getByRole("region", { name: "Outcomes by skin type" });
      assert.match(await chart.innerText(), /oily/);
      assert.ok((await chart.locator(".bar").count()) >= 2, "one bar per skin type");
      assert.match(await page.locator("section[aria-labelledby=similar-title] .why-item").first().innerText(), /\d/);
      await noSideScroll(page);
      await shot(page, `product-${name}`);
      await shot(page, `product-outcomes-${name}`, "#outcomes-title");
      await close(page);
    }
  });
});

describe("merchandiser page", () => {
  const bad = "subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date\n" +
    "ingredient,Niacinamide,pores,,0.5,80,clinical,Study A,2021-03-04\n" +
    "ingredient,Nacinamide,acne,,0.4,10,clinical,Study B,2021-03-04\n" +
    "ingredient,Retinol,acnee,,1.5,0,clinical,,2020-02-30\n";
  // A source unique to this run, so the commit changes the graph even on a reused server.
  const good = "subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date\n" +
    `ingredient,Niacinamide,pores,,0.5,80,clinical,Browser test ${Date.now()},2021-03-04\n` +
    "product,demo-0001,dryness,,0.3,12,expert-consensus,Brand panel 12,2024-06-07\n";

  test("a dry run lists every bad row; a clean file commits and shows the new data version", async () => {
    const page = await open();
    await page.goto(`${base}/#/merchandiser`);
    await page.waitForFunction(() => /\d/.test(document.querySelector(".data-version")?.textContent || ""));
    const before = Number(await page.locator(".data-version").innerText());
    await page.getByLabel("Efficacy claims").check();
    await page.getByLabel("File", { exact: true }).setInputFiles({ name: "claims.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await page.getByRole("button", { name: "Check (dry run)" }).click();
    const table = page.getByRole("region", { name: "Bad rows" });
    await table.waitFor();
    const rows = await table.locator("tbody tr").allInnerTexts();
    assert.ok(rows.length >= 5, `every bad row listed, got ${rows.length}`);
    assert.ok(rows.some((r) => /^3\s+subject\s+.*did you mean "niacinamide"/.test(r)), rows.join("\n"));
    assert.ok(rows.some((r) => /^4\s+effect_size/.test(r)), rows.join("\n"));
    assert.ok(rows.some((r) => /^4\s+concern\s+.*acnee/.test(r)), rows.join("\n"));
    assert.equal(await page.getByRole("button", { name: "Commit" }).isDisabled(), true);
    await page.waitForFunction(() => /problems found/.test(document.getElementById("live").textContent));
    await shot(page, "merchandiser-errors-desktop");

    await page.getByLabel("File", { exact: true }).setInputFiles({ name: "claims.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await page.getByRole("button", { name: "Check (dry run)" }).click();
    await page.getByText("The file is valid.").waitFor();
    assert.equal(Number(await page.locator(".data-version").innerText()), before, "a dry run writes nothing");
    await page.getByRole("button", { name: "Commit" }).click();
    await page.locator(".new-version").waitFor();
    assert.equal(Number(await page.locator(".new-version").innerText()), before + 1);
    assert.equal(Number(await page.locator(".data-version").innerText()), before + 1);
    await shot(page, "merchandiser-committed-desktop");
    await close(page);
  });
});

describe("explorer page", () => {
  test("a read query fills the table and downloads as CSV; a write is refused with the server's message", async () => {
    const page = await open();
    await page.goto(`${base}/#/explorer`);
    assert.match(await page.locator(".limits").innerText(), /at most 10,000 rows .* 30 s/);
    await page.getByRole("button", { name: "Run query" }).click();
    const results = page.getByRole("region", { name: "Query results" });
    await results.waitFor();
    assert.ok((await results.locator("tbody tr").count()) >= 1);
    assert.deepEqual(await results.locator("thead th").allInnerTexts(), ["id", "name", "brand", "price", "position"]);
    await shot(page, "explorer-desktop");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    const csv = readFileSync(await download.path(), "utf8");
    assert.match(csv, /^id,name,brand,price,position\n/);

    await page.getByLabel("Cypher query").fill("CREATE (n:Intruder {name: 'x'}) RETURN n");
    await page.getByLabel("Parameters (JSON object)").fill("{}");
    await page.getByRole("button", { name: "Run query" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Forbidden \(403\)/);
    await shot(page, "explorer-refused-desktop");
    const r = await fetch(`${base}/v1/cypher`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query: "MATCH (n:Intruder) RETURN count(n) AS n" }) });
    assert.deepEqual((await r.json()).rows, [[0]], "the refused write wrote nothing");
    await close(page);
  });
});

/** api calls the JSON API as an app or a merchandiser would (outside the page). */
async function api(method, path, body, headers = {}) {
  const r = await fetch(`${base}${path}`, { method, headers: { "Content-Type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** waitVersion waits until the server ranks from data version v (rules and experiments are
 * carried by the projection, refreshed in the background). */
async function waitVersion(v) {
  for (let i = 0; i < 300; i++) {
    if ((await api("GET", "/v1/status")).body.data_version >= v) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not reach data version ${v}`);
}

describe("rules page", () => {
  test("create, refuse bad input naming fields, edit with If-Match (a concurrent change is 412), delete", async () => {
    const page = await open();
    await page.goto(`${base}/#/rules`);
    await page.getByText("No rules yet.").waitFor();
    const form = page.locator("form.rule-form");
    // Bad input: every field named, nothing written.
    await form.getByLabel("Kind").selectOption("boost");
    await form.getByRole("button", { name: "Create rule" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    const text = await alert.innerText();
    for (const f of ["name", "amount", "match"]) assert.match(text, new RegExp(`\\b${f}: `), `the error names ${f}: ${text}`);
    await shot(page, "rules-errors-desktop", "section[aria-label=Result]");
    // Create.
    await form.getByLabel("Name").fill("Web boost");
    await form.getByLabel("Amount (boost, bury)").fill("2");
    await form.getByLabel("Brands").fill("Greywillow, Dewline");
    await form.getByLabel("Skin types").fill("oily");
    await form.getByRole("button", { name: "Create rule" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const row = page.locator("tr", { hasText: "Web boost" });
    await row.waitFor();
    assert.match(await row.innerText(), /in force[\s\S]*boost[\s\S]*\+2 to brand Greywillow or Dewline[\s\S]*skin oily/);
    const id = await row.getAttribute("data-rule-id");
    // Edit; meanwhile another merchandiser changes the rule: saving is refused with 412.
    await page.getByRole("button", { name: "Edit Web boost" }).click();
    assert.equal(await form.getByLabel("Name").inputValue(), "Web boost");
    await form.getByLabel("Amount (boost, bury)").fill("3");
    const other = await api("PUT", `/v1/rules/${id}`, { name: "Web boost", kind: "boost", amount: 4, match: { brands: ["Greywillow"] } }, { "If-Match": '"1"' });
    assert.equal(other.status, 200);
    await form.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("alert").filter({ hasText: "Someone else changed this rule (412)" }).waitFor();
    await shot(page, "rules-conflict-desktop", "section[aria-label=Result]");
    await page.locator("tr", { hasText: "+4 to brand Greywillow" }).waitFor(); // the list shows the other change
    // Open it again (revision 2) and save: now it applies.
    await page.getByRole("button", { name: "Edit Web boost" }).click();
    await form.getByLabel("Amount (boost, bury)").fill("3");
    await form.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "revision 3" }).waitFor();
    await page.locator("tr", { hasText: "+3 to brand Greywillow" }).waitFor(); // the list reloads after the save
    const stored = await api("GET", `/v1/rules/${id}`);
    assert.equal(stored.body.amount, 3);
    assert.equal(stored.body.revision, 3);
    await shot(page, "rules-desktop");
    // Delete.
    await page.getByRole("button", { name: "Delete Web boost" }).click();
    await page.getByText("No rules yet.").waitFor();
    assert.equal((await api("GET", `/v1/rules/${id}`)).status, 404);
    await close(page);
  });
});

describe("dashboard", () => {
  test("per-variant figures as a table and charts over the days, with the rules and experiments in force", async () => {
    const profile = { skin_type: "oily", concerns: ["acne"] };
    const first = await api("POST", "/v1/recommendations", { profile, limit: 5 });
    const target = first.body.items[4].product.id;
    const rule = await api("POST", "/v1/rules", { name: "Tried boost", kind: "boost", amount: 5, match: { product_ids: [target] } });
    assert.equal(rule.status, 201);
    const exp = await api("POST", "/v1/experiments", { name: "Boost or not", variants: [{ name: "control", share: 50 }, { name: "boosted", share: 50, rule_ids: [rule.body.id] }] });
    assert.equal(exp.status, 201, JSON.stringify(exp.body));
    await waitVersion(exp.body.data_version);
    // The app: one answer per variant, and what it reports of them (two days).
    const answers = {};
    for (let i = 0; Object.keys(answers).length < 2 && i < 64; i++) {
      const a = await api("POST", "/v1/recommendations", { profile, limit: 5, assignment_id: `web-user-${i}` });
      answers[a.body.variant] ??= a.body;
    }
    assert.deepEqual(Object.keys(answers).sort(), ["boosted", "control"]);
    assert.equal(answers.boosted.items[0].product.id, target, "the tried rule lifts its product in its variant");
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const events = [];
    const report = (ans, pos, types, at) => {
      for (const type of types) events.push({ id: `web-${ans.variant}-${pos}-${type}-${events.length}`, type, product_id: ans.items[pos - 1].product.id, recommendation_id: ans.recommendation_id, position: pos, ...(at ? { at } : {}) });
    };
    report(answers.control, 1, ["view", "click"], yesterday);
    report(answers.control, 2, ["view"], yesterday);
    report(answers.control, 3, ["view"]);
    report(answers.boosted, 1, ["view", "click", "add_to_cart", "purchase"], yesterday);
    report(answers.boosted, 2, ["view", "click"]);
    const sent = await api("POST", "/v1/events", { events });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));

    for (const [vp, name] of [[desktop, "desktop"], [phone, "phone"]]) {
      const page = await open(vp, { bypassCSP: name === "desktop" });
      await page.goto(`${base}/#/dashboard`);
      const table = page.getByRole("region", { name: "Totals per variant" });
      await table.waitFor();
      const control = await table.locator("tr[data-variant=control]").innerText();
      assert.match(control, /control \(control\)\s+3\s+1\s+33\.3% \(\d+\.\d%–\d+\.\d%\)/, control);
      const boosted = await table.locator("tr[data-variant=boosted]").innerText();
      assert.match(boosted, /boosted\s+2\s+2\s+100\.0%/, boosted);
      // Three charts, each with a series per variant; two days on the axis.
      const charts = page.locator("svg.rate-chart");
      assert.equal(await charts.count(), 3);
      assert.equal(await charts.first().locator("g.series").count(), 2);
      assert.equal(await charts.first().locator("g.series[data-variant=control] circle").count(), 2, "a point per day");
      assert.equal(await charts.first().locator("g.series polyline").count(), 2, "a line per variant");
      assert.match(await charts.first().getAttribute("aria-label"), /control: 33\.3%/);
      const force = page.locator("section[aria-labelledby=force-title]");
      assert.match(await force.innerText(), /Boost or not[\s\S]*boosted 50% \(rule “Tried boost”\)[\s\S]*Tried boost \(boost\)[\s\S]*experiment variants only/);
      await noSideScroll(page);
      await shot(page, `dashboard-${name}`);
      if (name === "desktop") await axe(page, "dashboard with figures");
      await close(page);
    }
    // Clean up for the other tests.
    assert.equal((await api("DELETE", `/v1/experiments/${exp.body.id}`, undefined, { "If-Match": '"1"' })).status, 204);
    assert.equal((await api("DELETE", `/v1/rules/${rule.body.id}`, undefined, { "If-Match": '"1"' })).status, 204);
  });
});

describe("every page at phone width", () => {
  for (const [name, hash] of [["find", "#/find?skin_type=oily&concerns=acne"], ["merchandiser", "#/merchandiser"], ["rules", "#/rules"], ["explorer", "#/explorer"]]) {
    test(`${name} fits a 390px screen`, async () => {
      const page = await open(phone);
      await page.goto(`${base}/${hash}`);
      if (name === "find") {
        await cards(page).first().waitFor();
        await cards(page).first().locator("details.evidence summary").first().click();
      } else await page.locator("main form").first().waitFor();
      await noSideScroll(page);
      await shot(page, `${name}-phone`);
      if (name === "find") await shot(page, "find-results-phone", "article.rec");
      await close(page);
    });
  }
});

describe("accessibility (axe-core, WCAG 2.1 A/AA)", () => {
  for (const [vp, vpName] of [[desktop, "desktop"], [phone, "phone"]]) {
    test(`every page passes at ${vpName} width`, async () => {
      const page = await open(vp, { bypassCSP: true });
      await page.goto(`${base}/#/find?skin_type=oily&concerns=acne&concerns=aging&concerns=texture`);
      await cards(page).first().waitFor();
      await cards(page).first().locator("details.evidence summary").first().click();
      await cards(page).first().locator("button[aria-controls]").first().click();
      await axe(page, "find with results");

      await page.goto(`${base}/#/product/demo-0203`);
      await page.locator("section[aria-labelledby=similar-title] article").first().waitFor();
      await axe(page, "product");

      await page.goto(`${base}/#/merchandiser`);
      await page.getByLabel("…or paste the file's content").fill("subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date\ningredient,Nope,acnee,,2,0,clinical,,x\n");
      await page.getByRole("button", { name: "Check (dry run)" }).click();
      await page.getByRole("region", { name: "Bad rows" }).waitFor();
      await axe(page, "merchandiser with row errors");

      await page.goto(`${base}/#/explorer`);
      await page.getByRole("button", { name: "Run query" }).click();
      await page.getByRole("region", { name: "Query results" }).waitFor();
      await axe(page, "explorer with results");

      await page.goto(`${base}/#/rules`);
      await page.locator("form.rule-form").waitFor();
      await axe(page, "rules");
      await close(page);
    });
  }
});
