// The studio's WebAssembly core against the native binary, in Node:
// - the diagnostics of every file of the corpus and the shipped guidelines,
//   all loaded at once as the studio loads a folder, equal `guidepath check
//   --format json`'s over the same files, diagnostic for diagnostic;
// - for every shipped guideline, generated patients (a fixed seed) get the
//   result `guidepath eval --ndjson` gives, byte for byte.
//
// Usage: node test/differential.mjs GUIDEPATH
// (run from anywhere; needs the build's pkg/, editor-support/studio/build)

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const bin = process.argv[2];
if (!bin) {
  console.error("usage: node test/differential.mjs GUIDEPATH");
  process.exit(2);
}
const guidepath = path.resolve(bin);
const pkg = path.join(root, "editor-support/studio/pkg");
const { default: init, Studio } = await import(path.join(pkg, "guidepath_wasm.js"));
await init({ module_or_path: fs.readFileSync(path.join(pkg, "guidepath_wasm_bg.wasm")) });

let passed = 0;
let failed = 0;
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + "differential: " + what);
  ok ? passed++ : failed++;
}

/** JSON with its objects' members sorted, to compare values. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function guides(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const p = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...guides(p));
    else if (e.name.endsWith(".guide")) out.push(p);
  }
  return out.sort();
}

// A fixed day, so reviews are judged alike on both sides whatever the date.
const DAY = "2026-01-01";
const DAYS = Date.UTC(2026, 0, 1) / 86400000;

// ---- diagnostics over the corpus and the shipped guidelines
const files = [...guides("tests/corpus"), ...guides("guidelines")];
const run = spawnSync(guidepath, ["check", "--format", "json", "--today", DAY, ...files], {
  cwd: root,
  maxBuffer: 1 << 28,
});
const native = JSON.parse(run.stdout.toString());
const studio = new Studio(DAYS);
for (const f of files) studio.set_file(f, fs.readFileSync(path.join(root, f), "utf8"));
const wasm = JSON.parse(studio.diagnostics());
const byPath = new Map(wasm.map((f) => [f.path, f.diagnostics]));
let compared = 0;
let diagnostics = 0;
const differ = [];
for (const f of native.files) {
  const ours = byPath.get(f.path);
  if (!ours) {
    differ.push(`${f.path}: not checked by the studio`);
    continue;
  }
  const stripped = ours.map(({ at, actions, ...d }) => d);
  compared++;
  diagnostics += f.diagnostics.length;
  if (!same(stripped, f.diagnostics)) {
    const k = f.diagnostics.findIndex((d, i) => !same(d, stripped[i]));
    differ.push(`${f.path}: ${JSON.stringify(f.diagnostics[k])} vs ${JSON.stringify(stripped[k])}`);
  }
}
check(compared === files.length, `every file is compared (${compared} of ${files.length})`);
check(differ.length === 0, `${diagnostics} diagnostics of ${compared} files equal the native check's` +
  (differ.length ? ":\n  " + differ.slice(0, 5).join("\n  ") : ""));
check(diagnostics > 100, "the comparison has something to compare");

// ---- results for generated patients
let seed = 1;
function random() {
  // xorshift32: the same patients on every run.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
function value(input) {
  const [lo, hi] = input.range || [0, 100];
  switch (input.type) {
    case "boolean":
      return random() < 0.5;
    case "integer":
      return pick([lo, hi, Math.round(lo + random() * (hi - lo)), Math.round((lo + hi) / 2)]);
    case "decimal":
      return Math.round((lo + random() * (hi - lo)) * 10) / 10;
    case "date":
      return `202${Math.floor(random() * 6)}-0${1 + Math.floor(random() * 9)}-${10 + Math.floor(random() * 18)}`;
    case "duration":
      return pick(["P3M", "P2M", "P12W", "P1Y", "P90D", "P6M", "P4W"]);
    case "enum":
      return pick(input.values);
    case "set":
      return input.values.filter(() => random() < 0.4);
    default:
      return pick(["a", "b", "text"]);
  }
}
function patient(inputs) {
  const p = {};
  for (const input of inputs) {
    if (random() < 0.25) continue;
    const parts = input.path.split(".");
    let o = p;
    for (const k of parts.slice(0, -1)) o = o[k] ??= {};
    o[parts[parts.length - 1]] = value(input);
  }
  return p;
}

const PATIENTS = 150;
let results = 0;
for (const g of guides("guidelines")) {
  const s = new Studio(DAYS);
  for (const f of guides("guidelines")) s.set_file(f, fs.readFileSync(path.join(root, f), "utf8"));
  const answer = JSON.parse(s.inputs(g));
  if (answer.error) {
    check(false, `${g} compiles in the studio: ${answer.error}`);
    continue;
  }
  const patients = Array.from({ length: PATIENTS }, () => patient(answer.inputs));
  const lines = execFileSync(guidepath, ["eval", "--ndjson", g], {
    cwd: root,
    input: patients.map((p) => JSON.stringify(p)).join("\n") + "\n",
    maxBuffer: 1 << 28,
  })
    .toString()
    .trimEnd()
    .split("\n");
  let equal = 0;
  let first = null;
  patients.forEach((p, i) => {
    const r = JSON.parse(s.evaluate(g, JSON.stringify(p), "en"));
    const ours = r.plain ? JSON.stringify(r.plain) : JSON.stringify({ errors: r.errors });
    // The NDJSON line numbers its result; the rest is the result.
    const { line, ...result } = JSON.parse(lines[i]);
    const theirs = JSON.stringify(result);
    if (line === i + 1 && ours === theirs) equal++;
    else first ??= `${JSON.stringify(p)}\n    native ${theirs.slice(0, 400)}\n    studio ${ours.slice(0, 400)}`;
  });
  results += equal;
  check(equal === PATIENTS, `${g}: ${equal} of ${PATIENTS} generated patients get \`guidepath eval\`'s result` +
    (first ? ":\n  " + first : ""));
}
check(results > 0, `${results} results compared byte for byte`);

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
