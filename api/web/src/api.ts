// api.ts: calls to the skingraph JSON API; failures become ApiError with the problem+json.

export interface FieldIssue {
  file?: string;
  row?: number;
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldIssue[];
}

/** ApiError is a failed call: the HTTP status and the server's problem document. */
export class ApiError extends Error {
  constructor(public problem: Problem, public requestId: string | null) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

async function problemOf(resp: Response): Promise<Problem> {
  const ct = resp.headers.get("Content-Type") || "";
  if (ct.includes("json")) {
    try {
      const p = (await resp.json()) as Partial<Problem>;
      return { ...p, title: p.title || resp.statusText || "Request failed", status: resp.status };
    } catch {
      /* fall through to the status line */
    }
  }
  return { title: resp.statusText || "Request failed", status: resp.status, detail: `the server answered ${resp.status}` };
}

const keyStore = "skingraph.apiKey";

/** apiKey is the API key the user gave for this tab ("" when none; servers without keys need none). */
export function apiKey(): string {
  try {
    return sessionStorage.getItem(keyStore) || "";
  } catch {
    return "";
  }
}

/** setApiKey keeps key for this tab only (sessionStorage), or forgets it when empty. */
export function setApiKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(keyStore, key);
    else sessionStorage.removeItem(keyStore);
  } catch {
    /* storage disabled: the key lasts until the page is left */
  }
}

/** call sends a request (with the tab's API key, if any) and returns the response once it
 * is 2xx, or throws an ApiError. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let resp: Response;
  const headers = new Headers(init.headers);
  const key = apiKey();
  if (key && !headers.has("Authorization")) headers.set("Authorization", `Bearer ${key}`);
  try {
    resp = await fetch(path, { ...init, headers });
  } catch (e) {
    throw new ApiError({ title: "The server cannot be reached", status: 0, detail: String(e) }, null);
  }
  if (!resp.ok) throw new ApiError(await problemOf(resp), resp.headers.get("X-Request-ID"));
  return resp;
}

/** getJSON GETs a JSON document. */
export async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await call(path, { headers: { Accept: "application/json" }, signal })).json() as Promise<T>;
}

/** postJSON POSTs a JSON body and reads a JSON answer. */
export async function postJSON<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const resp = await call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return resp.json() as Promise<T>;
}

// The shapes the pages read (see api/*.go).

export interface Product {
  id: string;
  name: string;
  brand: string;
  category: string;
  price: number;
  rating: number;
  review_count: number;
}

export interface PathNode {
  label: string;
  key: string;
  value: string;
  name?: string;
}

export interface PathRel {
  type: string;
  from: number;
  to: number;
  properties?: Record<string, unknown>;
}

export interface Why {
  kind: string;
  text: string;
  contribution: number;
  path?: { nodes: PathNode[]; relationships: PathRel[] };
  cypher?: string;
  evidence?: Record<string, unknown>;
}

export interface Warning {
  kind: string;
  text: string;
  with: string;
  ingredients: [string, string];
  severity: number;
}

export interface RecItem {
  product: Product;
  score: number;
  why: Why[];
  warnings: Warning[];
}

export interface RecResponse {
  items: RecItem[];
  next_cursor: string | null;
  data_version: number;
  generated_at: string;
  degraded: boolean;
  partial: boolean;
  total: number;
  excluded: { count: number; products: { product_id: string; ingredient: string; reason: string }[] };
}

export interface Ingredient {
  inci: string;
  name: string;
  position: number;
  concentration?: string;
  may_contain?: boolean;
  list?: string;
  functions: string[];
  comedogenic: number | null;
}

export interface Outcome {
  kind: string;
  attribute: string;
  count: number;
  mean_rating: number;
  recommend_rate: number;
  effects: Record<string, number>;
}

export interface ProductDetail extends Product {
  subcategory?: string;
  size?: string;
  highlights: string[];
  claims: string[];
  suits: string[];
  ingredients: Ingredient[];
  outcomes: Outcome[];
}

export interface SimilarResponse {
  items: { product: Product; similarity: number; why: Why[] }[];
  data_version: number;
}

export interface LoadResponse {
  load_id: string;
  dry_run: boolean;
  changed: boolean;
  counts: { created: number; updated: number; unchanged: number };
  data_version: number;
}

export interface CypherResponse {
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
  elapsed_ms: number;
}

/** Config is what the server tells the pages: vocabularies and limits (/ui/config.json). */
export interface Config {
  skin_types: string[];
  skin_tones: string[];
  concerns: string[];
  sensitivities: string[];
  categories: string[];
  cypher: { default_rows: number; max_rows: number; default_timeout_ms: number; max_timeout_ms: number };
  max_upload_bytes: number;
}
