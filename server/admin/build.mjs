// Builds the staff dashboard into dist/: one JavaScript and one CSS bundle with content-hashed
// names under dist/assets/, a generated index.html that loads them (no inline script or style,
// so the server's Content-Security-Policy can say `script-src 'self'`), a gzip copy of each
// file for clients that accept it, and dist/inputs.sha256, the fingerprint of the sources the
// build came from (server/build.rs compares it with the sources to decide whether to rebuild;
// server/admin_stamp.rs computes the same hash).
//
// Usage: npm run build   (prints the first load's size, gzipped)
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL(".", import.meta.url));
const dist = join(root, "dist");
const FIRST_LOAD_BUDGET = 200 * 1024;

/** The same fingerprint as server/admin_stamp.rs. */
export function fingerprint(dir) {
  const paths = ["package.json", "package-lock.json", "build.mjs"];
  const walk = (relativeDir) => {
    for (const name of readdirSync(join(dir, relativeDir))) {
      const path = join(relativeDir, name);
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else paths.push(path.split(sep).join("/"));
    }
  };
  walk("src");
  paths.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const hash = createHash("sha256");
  for (const path of paths) {
    const bytes = readFileSync(join(dir, path));
    hash.update(path);
    hash.update(Buffer.from([0]));
    hash.update(String(bytes.length));
    hash.update(Buffer.from([0]));
    hash.update(bytes);
  }
  return hash.digest("hex");
}

function gzip(bytes) {
  // Level 9 and no file name or time in the header: the same input gives the same bytes.
  return gzipSync(bytes, { level: 9 });
}

async function build() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, "assets"), { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: "src/main.jsx" },
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    outdir: join(dist, "assets"),
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((name) => name.endsWith(".js"));
  const style = outputs.find((name) => name.endsWith(".css"));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Orderly staff dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/assets/${style}">
<script type="module" src="/admin/assets/${script}"></script>
</head>
<body>
<noscript>The Orderly staff dashboard needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
  writeFileSync(join(dist, "index.html"), html);
  let firstLoad = 0;
  for (const file of ["index.html", `assets/${script}`, `assets/${style}`]) {
    const compressed = gzip(readFileSync(join(dist, file)));
    writeFileSync(join(dist, `${file}.gz`), compressed);
    firstLoad += compressed.length;
  }
  writeFileSync(join(dist, "inputs.sha256"), `${fingerprint(root)}\n`);
  const kb = (firstLoad / 1024).toFixed(1);
  console.log(`dashboard built: ${relative(process.cwd(), dist) || "."}; first load ${kb} KB gzipped (budget 200 KB)`);
  if (firstLoad > FIRST_LOAD_BUDGET) {
    throw new Error(`the first load is ${kb} KB gzipped, over the 200 KB budget`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().catch((error) => {
    console.error(error.message ?? error);
    process.exit(1);
  });
}
