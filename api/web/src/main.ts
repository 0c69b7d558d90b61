// main.ts: the router of the skingraph pages. Routes live in the URL hash so every page (and a
// profile's results) can be shared and reloaded: #/find?..., #/product/ID, #/merchandiser,
// #/rules, #/dashboard?experiment=ID, #/explorer?q=...&p=...

import { apiKey, Config, getJSON, setApiKey } from "./api";
import { dashboardPage } from "./dashboard";
import { announce, h } from "./dom";
import { explorerPage } from "./explorer";
import { findPage } from "./find";
import { merchandiserPage } from "./merchandiser";
import { productPage } from "./product";
import { rulesPage } from "./rules";
import { errorBox } from "./widgets";

interface Route {
  page: string;
  arg: string;
  params: URLSearchParams;
}

/** parseRoute reads "#/product/demo-1?x=y" as {page: "product", arg: "demo-1", params}. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : "");
  const [page, ...rest] = path.split("/");
  return { page: page || "find", arg: decodeURIComponent(rest.join("/")), params };
}

const titles: Record<string, string> = { find: "Find my products", product: "Product", merchandiser: "Merchandiser", rules: "Rules", dashboard: "Dashboard", explorer: "Explorer" };

let config: Config | null = null;
let first = true;

async function render(): Promise<void> {
  const main = document.getElementById("main") as HTMLElement;
  const r = parseRoute(location.hash);
  document.title = `${titles[r.page] || "Not found"} · skingraph`;
  document.querySelectorAll<HTMLAnchorElement>("nav a[data-page]").forEach((a) => {
    if (a.dataset.page === r.page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  if (!config) {
    try {
      config = await getJSON<Config>("/ui/config.json");
    } catch (e) {
      main.replaceChildren(h("h1", null, "skingraph"), errorBox(e, () => void render()));
      return;
    }
  }
  switch (r.page) {
    case "find":
      findPage(main, config, r.params);
      break;
    case "product":
      void productPage(main, r.arg);
      break;
    case "merchandiser":
      merchandiserPage(main, config);
      break;
    case "rules":
      rulesPage(main, config);
      break;
    case "dashboard":
      void dashboardPage(main, r.params);
      break;
    case "explorer":
      explorerPage(main, config, r.params);
      break;
    default:
      main.replaceChildren(h("h1", { tabindex: -1 }, "Page not found"), h("p", null, h("a", { href: "#/find" }, "Find my products")));
  }
  // After a navigation, move focus to the new page's heading (screen readers read it); not on
  // the first load, where focus stays at the top of the document.
  if (!first) (main.querySelector("h1") as HTMLElement | null)?.focus();
  first = false;
}

document.addEventListener("DOMContentLoaded", () => {
  const skip = document.querySelector<HTMLAnchorElement>("a.skip");
  skip?.addEventListener("click", (ev) => {
    ev.preventDefault();
    (document.getElementById("main") as HTMLElement).focus();
  });
  const keyForm = document.getElementById("key-form") as HTMLFormElement | null;
  const keyInput = document.getElementById("api-key") as HTMLInputElement | null;
  if (keyForm && keyInput) {
    keyInput.value = apiKey();
    keyForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      setApiKey(keyInput.value.trim());
      announce(keyInput.value.trim() ? "API key saved for this tab" : "API key removed");
      void render();
    });
  }
  window.addEventListener("hashchange", () => void render());
  void render();
});
