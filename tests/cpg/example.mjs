// docs/cpg.md's worked example: a package written by `guidepath export
// --cpg`, loaded into the JavaScript CQL engine (cql-execution, with
// cql-exec-fhir as its FHIR data source), run over the package's own test
// bundles, each result checked against the test's expected Parameters.
//
//   node tests/cpg/example.mjs PACKAGE_DIR
//
// Prints one line per test and exits 1 if any result differs.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cql = require("cql-execution");
const cqlfhir = require("cql-exec-fhir");

const dir = process.argv[2];
const libraryFile = fs.readdirSync(dir).find((f) => f.startsWith("Library-"));
const library = JSON.parse(fs.readFileSync(path.join(dir, libraryFile), "utf8"));
// The executable form is the Library's application/elm+json content.
const content = library.content.find((c) => c.contentType === "application/elm+json");
const elm = JSON.parse(Buffer.from(content.data, "base64").toString("utf8"));

const testsDir = path.join(dir, "tests", library.name);
const cases = fs.existsSync(testsDir) ? fs.readdirSync(testsDir).sort() : [];
let failed = 0;
for (const name of cases) {
  const bundle = JSON.parse(fs.readFileSync(path.join(testsDir, name, "bundle.json"), "utf8"));
  const expected = JSON.parse(fs.readFileSync(path.join(testsDir, name, "expected.json"), "utf8"));
  const at = expected.parameter.find((p) => p.name === "Evaluation date").valueDate;
  const [y, m, d] = at.split("-").map(Number);
  const executor = new cql.Executor(new cql.Library(elm), new cql.CodeService({}), {
    "Evaluation date": new cql.Date(y, m, d),
  });
  const source = cqlfhir.PatientSource.FHIRv401();
  source.loadBundles([bundle]);
  const results = Object.values((await executor.exec(source)).patientResults)[0];
  const wrong = [];
  for (const p of expected.parameter) {
    if (p.name === "Evaluation date") continue;
    const want = p.valueBoolean ?? p.valueDecimal ?? p.valueString ?? p.valueDate ?? null;
    let got = results[p.name];
    if (got && typeof got === "object" && got.isDate) got = got.toString();
    if (Array.isArray(got)) continue; // lists: `Errors`, empty for a test that passes
    if ((got ?? null) !== want) wrong.push(`${p.name}: ${JSON.stringify(got ?? null)}, expected ${JSON.stringify(want)}`);
  }
  if ((results.Errors ?? []).length) wrong.push(`errors: ${results.Errors.join(", ")}`);
  console.log(`${wrong.length ? "FAIL" : "ok"}   ${name}${wrong.length ? "\n       " + wrong.join("\n       ") : ""}`);
  failed += wrong.length > 0;
}
console.log(`${library.name}: ${cases.length - failed} of ${cases.length} tests give the expected results in cql-execution`);
process.exit(failed || !cases.length ? 1 : 0);
