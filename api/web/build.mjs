// build.mjs bundles src/ into dist/ (or the folder given with --out): app.js (minified,
// ES2020), app.css and index.html. The output is deterministic, so a Go test can rebuild into
// a temporary folder and check that the committed dist/ matches the sources.
import { build } from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf("--out");
const out = i > 0 ? process.argv[i + 1] : join(here, "dist");

await mkdir(out, { recursive: true });
for (const f of await readdir(out)) {
  if (f !== ".gitkeep") await rm(join(out, f), { recursive: true });
}
await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
});
await build({
  entryPoints: [join(here, "src/app.css")],
  outfile: join(out, "app.css"),
  bundle: true,
  minify: true,
  logLevel: "warning",
});
await copyFile(join(here, "src/index.html"), join(out, "index.html"));
