// The README's example, run as it is printed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const example = join(root, "examples", "readme-example.mjs");

test("the README example runs and prints what it says", () => {
  const cwd = mkdtempSync(join(tmpdir(), "orderly-readme-"));
  const run = spawnSync(process.execPath, [example], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, "processing 46.57\ninvalid_transition\n");
  assert.ok(existsSync(join(cwd, "orders.db")));
});

test("the README shows the example verbatim", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.ok(readme.includes(readFileSync(example, "utf8").trim()));
});
