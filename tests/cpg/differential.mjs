// The CPG package's ELM, run in an independent CQL engine, held to
// guidepath's evaluator patient by patient.
//
//   node tests/cpg/differential.mjs GUIDEPATH [--patients N]
//        [--corpus-patients N] [--seed S] [--at YYYY-MM-DD] [--shard K/N]
//        [--mutate] [GUIDELINE...]
//
// For each guideline (default: every shipped guideline and every corpus
// file that compiles): export the package (`guidepath export --cpg`), take
// the ELM out of its Library, generate patients (missing answers,
// boundaries, month ends, a share of invalid data), write them as FHIR
// Bundles and vary a share of those Bundles the way FHIR data varies
// (dates a day either side, dates after the evaluation day, partial
// dates, answers entered in error, yes and no as codes, a second value that
// conflicts), then have guidepath read
// and evaluate each Bundle (`guidepath export --bundles`) and run the ELM
// over the same Bundles in cql-execution with cql-exec-fhir. Every
// stratum, score, recommendation, pathway, step, due date and deadline is
// compared; data guidepath refuses must leave `Errors` non-empty.
//
// --corpus-patients sets another number for the corpus files (CI's time
// budget); --shard K/N takes every N-th guideline from the K-th, so N
// processes share the work.
//
// --mutate changes the ELM (each `>=` becomes `>`) and expects the
// comparison to find differences: the check can fail.
//
// Exit status 1 on any difference (or, with --mutate, on none).

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cql = require("cql-execution");
const cqlfhir = require("cql-exec-fhir");

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const args = process.argv.slice(2);
const guidepath = path.resolve(args.shift() ?? "target/release/guidepath");
let patients = 10_000;
let corpusPatients = null;
let shard = [0, 1];
let seed = 1;
let at = "2024-02-29";
let mutate = false;
const guidelines = [];
while (args.length) {
  const a = args.shift();
  if (a === "--patients") patients = Number(args.shift());
  else if (a === "--corpus-patients") corpusPatients = Number(args.shift());
  else if (a === "--shard") shard = args.shift().split("/").map(Number);
  else if (a === "--seed") seed = Number(args.shift());
  else if (a === "--at") at = args.shift();
  else if (a === "--mutate") mutate = true;
  else guidelines.push(a);
}

function run(cmd, argv, input) {
  const r = spawnSync(cmd, argv, { input, cwd: root, maxBuffer: 1 << 30, encoding: "utf8" });
  return r;
}

if (!guidelines.length) {
  const find = (dir) =>
    fs.readdirSync(path.join(root, dir), { recursive: true })
      .filter((f) => f.endsWith(".guide"))
      .map((f) => path.join(dir, f))
      .sort();
  guidelines.push(...find("guidelines"));
  for (const f of find("tests/corpus")) {
    if (run(guidepath, ["compile", f]).status === 0) guidelines.push(f);
  }
}

// ---------------------------------------------------------------- random --

function rng(s) {
  // mulberry32: a small, seeded generator, so a failure repeats.
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// -------------------------------------------------------------- patients --

const EPOCH = Date.UTC(1970, 0, 1);
const isoDate = (days) => new Date(EPOCH + days * 86400000).toISOString().slice(0, 10);
const dayOf = (s) => Math.round((Date.parse(s + "T00:00:00Z") - EPOCH) / 86400000);

function constants(art) {
  const out = { qty: [], dates: [], texts: [] };
  const walk = (x) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== "object") return;
    if (x.quantity && typeof x.quantity === "object") out.qty.push([x.quantity.value, x.quantity.unit]);
    if (x.in_range) out.qty.push([x.in_range.lo, x.in_range.unit], [x.in_range.hi, x.in_range.unit]);
    if (typeof x.date === "number") out.dates.push(x.date);
    if (typeof x.text === "string") out.texts.push(x.text);
    Object.values(x).forEach(walk);
  };
  walk([art.nodes, art.recommendations, art.pathways]);
  return out;
}

function monthEnds() {
  const out = [];
  for (const y of [2023, 2024, 2000, 1900]) {
    for (let m = 1; m <= 12; m++) out.push(new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10));
  }
  return out;
}

// Durations FHIR holds in one Quantity: months, days or minutes.
function durationPool(consts) {
  const pool = ["P0D", "P1D", "P1M", "P12M", "P3M", "P90D", "P89D", "P92D", "P84D", "P6M", "P100D", "PT1440M", "P14D"];
  for (const [value, unit] of consts.qty) {
    if (!Number.isInteger(value)) continue;
    if (unit === "years" || unit === "months") {
      const m = unit === "years" ? value * 12 : value;
      pool.push(`P${m}M`, `P${Math.max(m - 1, 0)}M`, `P${m + 1}M`, `P${m * 28}D`, `P${Math.max(m * 28 - 1, 0)}D`, `P${m * 30}D`, `P${m * 31}D`, `P${m * 31 + 1}D`);
    } else if (unit === "weeks" || unit === "days") {
      const d = unit === "weeks" ? value * 7 : value;
      pool.push(`P${d}D`, `P${Math.max(d - 1, 0)}D`, `P${d + 1}D`, `P${Math.floor(d / 28)}M`, `P${Math.floor(d / 28) + 1}M`);
    } else if (unit === "hours" || unit === "minutes") {
      const t = unit === "hours" ? value * 60 : value;
      pool.push(`PT${t}M`, `PT${t + 1}M`);
    }
  }
  return [...new Set(pool)].sort();
}

function numberPool(inp, consts, integer) {
  const [lo, hi] = inp.range ?? [null, null];
  const pool = [];
  const timeUnits = ["months", "days", "weeks", "years", "hours", "minutes"];
  for (const [value, unit] of consts.qty) {
    if (timeUnits.includes(unit) && unit !== inp.unit) continue;
    for (const d of integer ? [-1, 0, 1] : [-1, -0.5, 0, 0.5, 1]) pool.push(value + d);
  }
  if (lo !== null) pool.push(lo, hi, lo + 1, hi - 1);
  else pool.push(-1, 0, 1, 50, 200);
  const out = pool
    .map((x) => (integer ? Math.trunc(x) : x))
    .filter((x) => lo === null || (lo <= x && x <= hi));
  return out.length ? [...new Set(out)].sort((a, b) => a - b) : [0];
}

// Counts read from dates are counted back from the evaluation day: keep
// them inside the calendar and not in the future.
function countPool(inp, consts) {
  return numberPool(inp, consts, true).filter((x) => x >= 0 && x <= 150 * (inp.unit === "years" ? 1 : inp.unit === "months" ? 12 : 365));
}

function generators(art, r) {
  const consts = constants(art);
  const at0 = dayOf(at);
  const dates = [...monthEnds(), "2024-02-29", "2023-03-01", "2024-01-30", "1999-12-31", at];
  for (const d of consts.dates) for (const k of [-1, 0, 1]) dates.push(isoDate(d + k));
  const durations = durationPool(consts);
  const texts = [...new Set(consts.texts), "", "x", "ÅÄÖ"];
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  return art.inputs.map((inp) => {
    const fromDate = inp.from && inp.from !== "Condition.code" && inp.from !== "Condition.bodySite";
    switch (inp.type) {
      case "boolean":
        return () => r() < 0.5;
      case "integer":
      case "decimal": {
        const integer = inp.type === "integer";
        if (fromDate) {
          const pool = countPool(inp, consts);
          return () => (r() < 0.8 ? pick(pool) : Math.floor(r() * 90));
        }
        const pool = numberPool(inp, consts, integer);
        const [lo, hi] = inp.range ?? [-1000, 1000];
        return () => (r() < 0.7 ? pick(pool) : integer ? lo + Math.floor(r() * (hi - lo + 1)) : Math.round((lo + r() * (hi - lo)) * 100) / 100);
      }
      case "date":
        // Dates read from FHIR are not after the evaluation day.
        return () => {
          const d = r() < 0.6 ? pick(dates) : isoDate(at0 - Math.floor(r() * 40000));
          return fromDate && dayOf(d) > at0 ? at : d;
        };
      case "duration": {
        // One counted from a date is written as that date, which reads back
        // as whole months and days: whole months write exactly, and the
        // Bundles' variations move the date a day or a month either side.
        if (fromDate) {
          const months = [...new Set(durations.filter((d) => /^P\d+M$/.test(d)).concat(["P0M", "P1M", "P3M", "P6M"]))];
          return () => (r() < 0.85 ? pick(months) : `P${Math.floor(r() * 40)}M`);
        }
        return () => (r() < 0.85 ? pick(durations) : pick([`P${Math.floor(r() * 40)}M`, `P${Math.floor(r() * 400)}D`]));
      }
      case "text":
        return () => pick(texts);
      case "enum": {
        const coded = (inp.value_codes ?? []).length
          ? inp.values.filter((_, k) => (inp.value_codes[k] ?? []).length)
          : inp.values;
        return () => pick(coded);
      }
      case "set": {
        // FHIR has no empty answer: a set is missing or has a value; and
        // where some values have codes, one without is not in FHIR.
        const coded = (inp.value_codes ?? []).length
          ? inp.values.filter((_, k) => (inp.value_codes[k] ?? []).length)
          : inp.values;
        return () => {
          const s = coded.filter(() => r() < 0.35);
          return s.length ? s : [pick(coded)];
        };
      }
      default:
        throw new Error(`unknown input type ${inp.type}`);
    }
  });
}

function invalidValue(inp) {
  if ((inp.type === "integer" || inp.type === "decimal") && inp.range && !inp.from) return inp.range[1] + 1;
  return undefined;
}

function makePatients(art, n, r) {
  const gens = generators(art, r);
  const out = [];
  for (let k = 0; k < n; k++) {
    const missing = [0, 0.1, 0.3, 0.7][Math.floor(r() * 4)];
    const p = {};
    art.inputs.forEach((inp, i) => {
      let v = r() < missing ? null : gens[i]();
      if (r() < 0.005) v = invalidValue(inp) ?? v;
      if (v === null) return;
      const parts = inp.path.split(".");
      let node = p;
      for (const q of parts.slice(0, -1)) node = node[q] ??= {};
      node[parts.at(-1)] = v;
    });
    out.push(p);
  }
  return out;
}

// ------------------------------------------------------------ variations --

// Changes a Bundle the way FHIR data varies; guidepath reads the changed
// Bundle again, so any change is fair.
function vary(bundle, r) {
  const entries = bundle.entry ?? [];
  const res = entries.map((e) => e.resource);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const shift = (s, k) => isoDate(dayOf(s.slice(0, 10)) + k);
  const kind = Math.floor(r() * 7);
  const patient = res.find((x) => x.resourceType === "Patient");
  const subject = { reference: `Patient/${patient.id}` };
  if (kind === 0) {
    // A date a day either side.
    const dated = [];
    for (const x of res) {
      for (const k of ["birthDate", "onsetDateTime", "recordedDate", "effectiveDateTime", "performedDateTime", "authoredOn"]) {
        if (typeof x[k] === "string") dated.push([x, k]);
      }
    }
    if (dated.length) {
      const [x, k] = pick(dated);
      x[k] = shift(x[k], pick([-1, 1, -31, 31]));
    }
  } else if (kind === 1) {
    // A partial date: known to the month only.
    const dated = res.filter((x) => typeof x.birthDate === "string" || typeof x.onsetDateTime === "string");
    if (dated.length) {
      const x = pick(dated);
      const k = typeof x.birthDate === "string" ? "birthDate" : "onsetDateTime";
      x[k] = x[k].slice(0, 7);
    }
  } else if (kind === 2) {
    // A copy of an answer or an Observation, entered in error, with
    // another value: not read.
    const q = res.find((x) => x.resourceType === "QuestionnaireResponse" || x.resourceType === "Observation");
    if (q) {
      const copy = structuredClone(q);
      copy.id = `${q.id}-error`;
      copy.status = "entered-in-error";
      entries.push({ resource: copy });
    }
  } else if (kind === 3) {
    // Yes and no as LOINC answer codes.
    for (const x of res) {
      for (const item of x.item ?? []) {
        for (const a of item.answer ?? []) {
          if (typeof a.valueBoolean === "boolean" && r() < 0.5) {
            a.valueCoding = { system: "http://loinc.org", code: a.valueBoolean ? "LA33-6" : "LA32-8" };
            delete a.valueBoolean;
          }
        }
      }
    }
  } else if (kind === 4) {
    // A second response that gives an item the other value: guidepath
    // refuses two values, and so must the ELM.
    const q = res.find((x) => x.resourceType === "QuestionnaireResponse" && (x.item ?? []).length);
    if (q) {
      const item = structuredClone(pick(q.item));
      for (const a of item.answer ?? []) {
        if (typeof a.valueBoolean === "boolean") a.valueBoolean = !a.valueBoolean;
        if (typeof a.valueInteger === "number") a.valueInteger += 1;
        if (typeof a.valueDecimal === "number") a.valueDecimal += 1;
      }
      entries.push({ resource: { resourceType: "QuestionnaireResponse", id: "second", status: "completed", subject, item: [item] } });
    }
  } else if (kind === 6) {
    // A date after the evaluation day: a count or a duration cannot be
    // counted from it (guidepath refuses it), a date field takes it.
    const dated = [];
    for (const x of res) {
      for (const k of ["birthDate", "onsetDateTime", "recordedDate", "effectiveDateTime", "performedDateTime", "authoredOn"]) {
        if (typeof x[k] === "string") dated.push([x, k]);
      }
    }
    if (dated.length) {
      const [x, k] = pick(dated);
      x[k] = shift(at, pick([1, 40]));
    }
  } else {
    // The same value twice, in a nested item: read once.
    const q = res.find((x) => x.resourceType === "QuestionnaireResponse" && (x.item ?? []).length);
    if (q) {
      const item = structuredClone(pick(q.item));
      entries.push({
        resource: { resourceType: "QuestionnaireResponse", id: "nested", status: "completed", subject, item: [{ linkId: "group", item: [item] }] },
      });
    }
  }
  bundle.entry = entries;
  return bundle;
}

// ------------------------------------------------------------ comparing --

// The library's results for a guidepath result (docs/cpg.md).
function expected(result) {
  const out = {};
  for (const s of result.strata ?? []) out[`stratum.${s.id}`] = s.stratum;
  for (const s of result.scores ?? []) {
    out[`score.${s.id}.min`] = s.min;
    out[`score.${s.id}.max`] = s.max;
  }
  for (const x of result.recommendations ?? []) out[`rec.${x.id}`] = x.applies;
  for (const p of result.pathways ?? []) {
    out[`pathway.${p.id}`] = p.applies;
    for (const s of p.steps ?? []) {
      const id = `${p.id}.${s.id}`;
      out[`step.${id}`] = s.applies;
      if (s.deadline) {
        out[`due.${id}`] = s.deadline.due ?? null;
        out[`deadline.${id}.applies`] = { decided: true, not_applicable: false }[s.deadline.state] ?? null;
      }
    }
  }
  return out;
}

function norm(v) {
  if (v === undefined || v === null) return null;
  if (typeof v === "object" && (v.isDate || v.isDateTime)) return v.toString().slice(0, 10);
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === "object" && typeof v.toString === "function" && v.constructor?.name === "Decimal") return Number(v);
  return v;
}

function elmOf(dir) {
  const lib = fs.readdirSync(dir).find((f) => f.startsWith("Library-"));
  const resource = JSON.parse(fs.readFileSync(path.join(dir, lib), "utf8"));
  const content = resource.content.find((c) => c.contentType === "application/elm+json");
  return JSON.parse(Buffer.from(content.data, "base64").toString("utf8"));
}

function mutateElm(elm) {
  let n = 0;
  const walk = (x) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== "object") return;
    if (x.type === "GreaterOrEqual") {
      x.type = "Greater";
      n++;
    }
    Object.values(x).forEach(walk);
  };
  walk(elm);
  return n;
}

async function one(g, index) {
  const art = JSON.parse(execFileSync(guidepath, ["compile", g], { cwd: root, maxBuffer: 1 << 28, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guidepath-cpg-"));
  const exp = run(guidepath, ["export", "--cpg", g, "-o", dir, "--at", at, "--quiet"]);
  if (exp.status !== 0) {
    return { g, refused: exp.stderr.trim().split("\n").at(-1) };
  }
  const elm = elmOf(dir);
  if (mutate && mutateElm(elm) === 0) return { g, skipped: "nothing to mutate" };
  const r = rng(seed * 7919 + index);
  const n = g.startsWith("tests/") && corpusPatients !== null ? corpusPatients : patients;
  // Written by guidepath's FHIR binding, varied here, then read and
  // evaluated by guidepath as they are. What FHIR cannot carry (the writer
  // refuses it by name) is counted and made up for, so that `n` patients
  // are compared.
  const bundles = [];
  let unwritable = 0;
  for (let round = 0; bundles.length < n && round < 4; round++) {
    const people = makePatients(art, Math.ceil((n - bundles.length) * (round ? 1.5 : 1.1)), r);
    const written = run(guidepath, ["export", "--bundles", g, "--at", at], people.map((p) => JSON.stringify(p)).join("\n") + "\n");
    const lines = written.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    for (const l of lines) {
      if (bundles.length >= n) break;
      if (!l.bundle) {
        unwritable++;
        continue;
      }
      // Ids stay one per patient across rounds.
      const patient = l.bundle.entry.find((e) => e.resource.resourceType === "Patient").resource;
      patient.id = `p${bundles.length + 1}`;
      for (const e of l.bundle.entry) {
        const ref = e.resource.subject?.reference;
        if (ref && ref.startsWith("Patient/")) e.resource.subject.reference = `Patient/${patient.id}`;
      }
      bundles.push(r() < 0.3 ? vary(l.bundle, r) : l.bundle);
    }
  }
  // guidepath's own time on the same Bundles (read, evaluate, write the
  // line), measured by /usr/bin/time in this run, beside the engine's.
  const timed = fs.existsSync("/usr/bin/time");
  const evalArgs = ["export", "--bundles", g, "--at", at];
  const evaluated = timed
    ? run("/usr/bin/time", ["-f", "cpu %U %S", guidepath, ...evalArgs], bundles.map((b) => JSON.stringify(b)).join("\n") + "\n")
    : run(guidepath, evalArgs, bundles.map((b) => JSON.stringify(b)).join("\n") + "\n");
  const cpuLine = evaluated.stderr.split("\n").reverse().find((l) => l.startsWith("cpu "));
  const guidepathCpu = cpuLine ? cpuLine.split(" ").slice(1).reduce((a, x) => a + Number(x), 0) * 1000 : null;
  const results = evaluated.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l).result);
  if (results.length !== bundles.length) throw new Error(`${g}: ${results.length} results for ${bundles.length} bundles: ${evaluated.stderr.slice(0, 400)}`);

  const lib = new cql.Library(elm);
  const [y, m, d] = at.split("-").map(Number);
  const params = { "Evaluation date": new cql.Date(y, m, d) };
  const executor = new cql.Executor(lib, new cql.CodeService({}), params);
  const source = cqlfhir.PatientSource.FHIRv401();
  source.loadBundles(bundles);
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  const out = await executor.exec(source);
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(t0);
  let bad = 0;
  let refused = 0;
  // How many results were compared, and how many of them decided (not
  // null): a comparison of unknowns alone would prove little.
  let results_ = 0;
  let decided = 0;
  const report = (msg) => {
    bad++;
    if (bad <= 5 && !mutate) console.log(`  ${g} ${msg}`);
  };
  bundles.forEach((b, k) => {
    const id = b.entry.find((e) => e.resource.resourceType === "Patient").resource.id;
    const got = out.patientResults[id];
    const want = results[k];
    if (!got) return report(`${id}: no result from the engine`);
    const errors = norm(got.Errors) ?? [];
    if (want.error !== undefined) {
      refused++;
      if (!errors.length) report(`${id}: guidepath refuses the data (${want.error.slice(0, 160)}), the ELM has no errors`);
      return;
    }
    if (errors.length) return report(`${id}: the ELM finds errors ${JSON.stringify(errors)}, guidepath none`);
    for (const [name, w] of Object.entries(expected(want))) {
      const v = norm(got[name]);
      results_++;
      if (w !== null && w !== undefined) decided++;
      if (!(name in got)) return report(`${id}: the library has no result ${name}`);
      if (JSON.stringify(v) !== JSON.stringify(w ?? null)) {
        report(`${id}: ${name}: ELM ${JSON.stringify(v)}, guidepath ${JSON.stringify(w)}  bundle ${JSON.stringify(b).slice(0, 1500)}`);
      }
    }
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { g, n: bundles.length, refusedData: refused, unwritable, bad, wall, cpu: (cpu.user + cpu.system) / 1000, results: results_, decided, guidepathCpu };
}

let failures = 0;
let compared = 0;
const refusedGuidelines = [];
for (const [k, g] of guidelines.entries()) {
  if (k % shard[1] !== shard[0]) continue;
  const r = await one(g, k);
  if (r.refused) {
    refusedGuidelines.push(g);
    console.log(`refused ${g}: ${r.refused}`);
    if (g.startsWith("guidelines/")) failures++;
    continue;
  }
  if (r.skipped) {
    console.log(`skip ${g}: ${r.skipped}`);
    continue;
  }
  compared += r.n;
  const perPatient = (r.cpu / r.n) * 1000;
  const ok = mutate ? r.bad > 0 : r.bad === 0;
  if (!ok) failures++;
  if (!mutate && r.n < (g.startsWith("tests/") && corpusPatients !== null ? corpusPatients : patients)) {
    console.log(`FAIL ${g}: only ${r.n} patients could be written as FHIR`);
    failures++;
  }
  console.log(
    `${ok ? "ok" : "FAIL"} ${g}: ${r.n} patients (${r.refusedData} refused by both` +
      `${r.unwritable ? `, ${r.unwritable} not writable as FHIR` : ""}), ${r.results} results ` +
      `(${((100 * r.decided) / Math.max(r.results, 1)).toFixed(0)} % decided), ${r.bad} differences; ` +
      `cql-execution ${(r.wall / 1000).toFixed(1)} s wall, ${perPatient.toFixed(0)} µs CPU a patient` +
      (r.guidepathCpu !== null ? `; guidepath ${((r.guidepathCpu / r.n) * 1000).toFixed(0)} µs CPU a patient` : ""),
  );
}
console.log(`cpg differential${mutate ? " (mutated ELM: differences expected)" : ""}: ${compared} patients compared, ` +
  `${guidelines.filter((_, k) => k % shard[1] === shard[0]).length - refusedGuidelines.length} guidelines, ` +
  `${refusedGuidelines.length} refused, ${failures} failures`);
process.exit(failures ? 1 : 0);
