// The studio in a real headless Chromium (Debian's), served by
// `guidepath studio` as a working group opens it, driven as they use it:
// - the problems list is there when the page opens;
// - a misspelled name gets its diagnostic, the quick fix clears it;
// - overlapping strata get their witness, which opens in the patient panel;
// - the Skåne boundary patient (16 years, 50 points, 3 months) gets what
//   `guidepath eval` gives, and the downloaded artifact gives it too;
// - the inline tests run, with coverage; the report is made;
// - the page's words follow its language; keyboard and screen-reader
//   checks with axe-core;
// - no console errors, and no request beyond the page's own files.
// The budgets (load, diagnostics after a keystroke on a 1,000-line
// guideline, a patient update) are measured and printed, never asserted:
// the machine may be loaded. A screenshot goes to the run's artifacts.
//
// Usage: node test/studio.test.mjs GUIDEPATH ARTIFACTS
// (CHROMIUM names the browser; default /usr/bin/chromium)

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";
import { bigGuideline } from "./big.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const [bin, artifacts] = process.argv.slice(2);
if (!bin || !artifacts) {
  console.error("usage: node test/studio.test.mjs GUIDEPATH ARTIFACTS");
  process.exit(2);
}
const guidepath = path.resolve(bin);
fs.mkdirSync(artifacts, { recursive: true });

let passed = 0;
let failed = 0;
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + "studio: " + what);
  ok ? passed++ : failed++;
}

// A folder as a working group has it: the shipped guidelines.
const folder = fs.mkdtempSync(path.join(os.tmpdir(), "guidepath-studio-"));
fs.cpSync(path.join(root, "guidelines"), folder, { recursive: true, filter: (f) => !f.includes("sources") });

function startServer() {
  const dist = path.join(root, "editor-support/studio/dist");
  const child = spawn(guidepath, ["studio", "--port", "0", "--dist", dist, folder], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/guidepath studio: (http:\/\/\S+)/);
      if (m) resolve({ child, url: m[1] });
    });
    child.on("exit", (code) => reject(new Error("guidepath studio exited with " + code)));
  });
}

/** Waits until the page's check has run on the text as it is now. */
async function settled(page) {
  await page.waitForFunction(() => {
    const a = window.__studio;
    return a.view && a.files.get(a.current) === a.view.state.doc.toString();
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function codes(page, file) {
  return page.evaluate((file) => {
    const f = window.__studio.diagnostics.find((d) => d.path.endsWith(file));
    return f ? f.diagnostics.map((d) => d.code) : null;
  }, file);
}

/** Puts the cursor at the first `text` of the editor (+ `shift`). */
async function cursorAt(page, text, shift = 0) {
  const at = await page.evaluate(
    (text, shift) => {
      const v = window.__studio.view;
      const i = v.state.doc.toString().indexOf(text);
      v.dispatch({ selection: { anchor: i + shift } });
      v.focus();
      return i;
    },
    text,
    shift,
  );
  if (at < 0) throw new Error("not in the editor: " + text);
}

async function openFile(page, name) {
  await page.evaluate((name) => {
    const b = [...document.querySelectorAll("#files button.file")].find((x) => x.textContent.trim() === name);
    b.click();
  }, name);
  await settled(page);
}

function nativeEval(guide, patient) {
  return JSON.parse(execFileSync(guidepath, ["eval", "--format", "json", guide, "-"], { input: JSON.stringify(patient) }));
}

const { child, url } = await startServer();
const origin = new URL(url).origin;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
const budgets = {};
try {
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("requestfailed", (r) => r.url().startsWith("blob:") || errors.push("request failed: " + r.url()));
  page.on("request", (r) => requests.push(r.url()));
  await page.setViewport({ width: 1440, height: 900 });
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), "guidepath-studio-dl-"));
  const cdp = await page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });

  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });
  budgets.load = await page.evaluate(() => window.__studio.timings.ready);
  budgets.parts = await page.evaluate(() => ({ ...window.__studio.timings, diagnostics: undefined, patient: undefined }));
  check(true, `the page is ready ${budgets.load.toFixed(0)} ms after navigation began`);
  const problemsShown = await page.$eval("#problems", (u) => u.offsetParent !== null && u.children.length > 0);
  check(problemsShown, "the problems list is visible when the page opens");
  const files = await page.$$eval("#files button.file", (bs) => bs.map((b) => b.textContent));
  budgets.files = await page.evaluate(() => window.__studio.files.size);
  check(files.some((f) => f.startsWith("se/skane_mms.guide")) && files.some((f) => f.includes("instruments.start_back")),
    "the folder's files and the built-in instruments are listed");

  // A misspelled name, typed; its diagnostic; the quick fix; clean again.
  await openFile(page, "se/skane_mms.guide");
  check((await codes(page, "se/skane_mms.guide")).length === 0, "the Skåne file opens without problems");
  await cursorAt(page, "linton_score <= 50", "linton_score".length);
  await page.keyboard.press("Backspace");
  await settled(page);
  const misspelled = await codes(page, "se/skane_mms.guide");
  check(misspelled.includes("E0201"), "a misspelled name gets E0201 as it is typed: " + misspelled.join(" "));
  check((await page.$$(".cm-lintRange-error")).length > 0, "the misspelling is underlined in the editor");
  await page.keyboard.down("Control");
  await page.keyboard.down("Shift");
  await page.keyboard.press("KeyM");
  await page.keyboard.up("Shift");
  await page.keyboard.up("Control");
  await page.waitForSelector(".cm-panel.cm-panel-lint button");
  const fixed = await page.evaluate(() => {
    const b = [...document.querySelectorAll(".cm-panel.cm-panel-lint button")].find((x) => /linton_score/.test(x.textContent));
    if (!b) return false;
    b.click();
    return true;
  });
  check(fixed, "the diagnostic offers the fix \"Replace with `linton_score`\"");
  await settled(page);
  check((await codes(page, "se/skane_mms.guide")).length === 0, "the quick fix clears the diagnostic");

  // Overlapping strata: 50 points is in both; the witness opens in the panel.
  await cursorAt(page, "linton_score > 50", "linton_score >".length);
  await page.keyboard.type("=");
  await settled(page);
  const overlap = await page.evaluate(() => {
    const f = window.__studio.diagnostics.find((d) => d.path.endsWith("se/skane_mms.guide"));
    return f.diagnostics.find((d) => d.code === "E0901") || null;
  });
  check(overlap && overlap.witness, "overlapping strata get E0901 with a witness patient");
  await page.evaluate(() => {
    const b = [...document.querySelectorAll("#problems button")].find((x) => x.textContent.startsWith("E0901"));
    b.click();
  });
  await settled(page);
  const filled = await page.$eval("#in-linton_score", (i) => i.value).catch(() => "");
  check(filled === "50", `the witness patient opens in the patient panel (linton_score ${filled})`);
  const note = await page.$eval("#patient-note", (n) => n.textContent);
  check(/E0901/.test(note), "the panel says the findings stop the guideline from reaching patients");
  await page.keyboard.down("Control");
  await page.keyboard.press("KeyZ");
  await page.keyboard.up("Control");
  await settled(page);
  check((await codes(page, "se/skane_mms.guide")).length === 0, "undo makes the strata exclusive again");

  // The Skåne boundary patient, entered in the panel's fields.
  await page.click("#clear-patient");
  await page.type("#in-age", "16");
  await page.type("#in-linton_score", "50");
  await page.type("#in-pain_duration", "P3M");
  await page.evaluate(() => {
    const c = [...document.querySelectorAll("#in-pain_sites input")].find((x) => x.value === "neck");
    c.click();
  });
  await settled(page);
  const studioResult = await page.evaluate(() => ({ plain: window.__studio.lastResult.plain, patient: window.__studio.patient }));
  const skane = path.join(folder, "se/skane_mms.guide");
  const native = nativeEval(skane, studioResult.patient);
  check(
    JSON.stringify(studioResult.patient) === JSON.stringify({ age: 16, linton_score: 50, pain_duration: "P3M", pain_sites: ["neck"] }),
    "the panel builds the patient from its fields: " + JSON.stringify(studioResult.patient),
  );
  check(JSON.stringify(studioResult.plain) === JSON.stringify(native), "the panel's result is `guidepath eval`'s, field for field");
  const careLevel = await page.$eval("#result", (r) => r.textContent);
  check(/primary_care/.test(careLevel), "the panel shows the stratum (primary_care at 50 points)");
  budgets.patient = await page.evaluate(() => {
    const t = window.__studio.timings.patient;
    return t.slice(-4).reduce((a, b) => a + b, 0) / Math.min(4, t.length);
  });

  // The patient as a test block, appended to the file.
  const before = await page.evaluate(() => window.__studio.view.state.doc.length);
  await page.evaluate(() => (window.prompt = () => "boundary patient"));
  await page.click("#make-test");
  await settled(page);
  const added = await page.evaluate(() => window.__studio.view.state.doc.toString());
  check(added.length > before && added.includes('test "boundary patient"') && added.includes("expect mms_referral"),
    "the patient becomes a test block in the file");

  // The tests, with coverage.
  await page.click("#tab-tests");
  await page.click("#run-tests");
  await page.waitForSelector("#test-summary");
  const summary = await page.$eval("#test-summary", (p) => p.textContent);
  check(/ 0 failed/.test(summary) && !/^0 passed/.test(summary), "the inline tests run and pass: " + summary);
  const coverage = await page.$eval("#coverage-summary", (p) => p.textContent).catch(() => "");
  check(/\d+ \/ \d+/.test(coverage), "coverage is shown: " + coverage);

  // The artifact, downloaded, and `guidepath eval` on it.
  await page.click("#download");
  let artifact = null;
  for (let i = 0; i < 100 && !artifact; i++) {
    const f = fs.readdirSync(downloads).find((x) => x.endsWith(".json"));
    if (f) artifact = path.join(downloads, f);
    else await new Promise((r) => setTimeout(r, 100));
  }
  check(artifact !== null, "the compiled artifact downloads");
  if (artifact) {
    const fromArtifact = nativeEval(artifact, studioResult.patient);
    check(JSON.stringify(fromArtifact.recommendations) === JSON.stringify(native.recommendations),
      "`guidepath eval` on the downloaded artifact gives the studio's result");
  }

  // The report.
  await page.click("#tab-report");
  await page.click("#make-report");
  const frame = await (await page.waitForSelector("#report-frame")).contentFrame();
  await frame.waitForSelector("#catalogue");
  const rows = await frame.$$eval("#catalogue tbody tr", (r) => r.length);
  check(rows > 0, `the report shows its catalogue (${rows} recommendations)`);

  // The page's words follow its language.
  await page.select("#lang", "sv");
  const sv = await page.$eval("#run-tests", (b) => b.textContent);
  check(sv === "Kör testerna", "the page speaks Swedish when asked: " + sv);
  await page.select("#lang", "da");
  check((await page.$eval("#tab-patient", (b) => b.textContent)) === "Patient", "and Danish");
  await page.select("#lang", "en");

  // A new user's first guideline: a new file, written in the page, a
  // patient tried, the artifact downloaded and `guidepath eval` on it.
  await page.evaluate(() => (window.prompt = () => "first.guide"));
  await page.click("#new-file");
  await settled(page);
  const first = fs.readFileSync(path.join(here, "first.guide"), "utf8");
  // Pasted as one input (typed, the editor would close each bracket itself).
  await page.keyboard.sendCharacter(first);
  await settled(page);
  check((await page.evaluate(() => window.__studio.current)) === "/workspace/first.guide", "a new file opens in the editor");
  check((await codes(page, "first.guide")).length === 0, "the first guideline, written in the page, checks clean");

  // Hover, completion and go-to-definition reach into the built-in instrument.
  const coords = await page.evaluate(() => {
    const v = window.__studio.view;
    const c = v.coordsAtPos(v.state.doc.toString().indexOf("start_back.risk") + 3);
    return { x: c.left + 1, y: (c.top + c.bottom) / 2 };
  });
  await page.mouse.move(coords.x, coords.y);
  const hovered = await page.waitForSelector(".cm-tooltip-hover", { timeout: 10000 }).then((h) => h.evaluate((e) => e.textContent)).catch(() => "");
  check(/STarT/.test(hovered), "hover over the instrument says what it is: " + hovered.slice(0, 60));
  await page.mouse.move(0, 0);
  await cursorAt(page, "start_back.risk is high", "start_back.".length);
  await page.keyboard.down("Control");
  await page.keyboard.press("Space");
  await page.keyboard.up("Control");
  const options = await page.waitForSelector(".cm-tooltip-autocomplete", { timeout: 10000 })
    .then((t) => t.evaluate((e) => [...e.querySelectorAll("li")].map((l) => l.textContent)))
    .catch(() => []);
  check(options.includes("risk") && options.includes("total"), "completion after `start_back.` offers its members: " + options.join(" "));
  await page.keyboard.press("Escape");
  await cursorAt(page, "start_back.risk is high", 2);
  await page.keyboard.press("F12");
  // The folder has its own copy of the instrument, which `use` finds first.
  await page.waitForFunction(() => /start_back\.guide$/.test(window.__studio.current || ""));
  const opened = await page.evaluate(() => window.__studio.current);
  check(opened === "/workspace/instruments/start_back.guide", "go to definition opens the instrument `use` finds: " + opened);
  // The built-in instruments open from the list, read only.
  await page.evaluate(() => {
    const b = [...document.querySelectorAll("#files button.file")].find((x) => x.textContent.startsWith("instruments.start_back"));
    b.click();
  });
  const builtin = await page.evaluate(() => ({
    at: window.__studio.current,
    readOnly: window.__studio.view.state.readOnly,
    text: window.__studio.view.state.doc.toString(),
  }));
  check(builtin.at.startsWith("<guidepath-") && builtin.readOnly && builtin.text.includes("instrument start_back"),
    "a built-in instrument opens from the list, read only: " + builtin.at);
  await openFileByPath(page, "/workspace/first.guide");

  // Rename (F2): the definition and its use, together.
  await cursorAt(page, "define adult", "define ".length + 1);
  await page.evaluate(() => (window.prompt = () => "vuxen"));
  await page.keyboard.press("F2");
  await settled(page);
  const renamed = await page.evaluate(() => window.__studio.view.state.doc.toString());
  check(renamed.includes("define vuxen") && renamed.includes("when vuxen and") && !/\badult\b/.test(renamed),
    "rename changes the definition and its use");
  check((await codes(page, "first.guide")).length === 0, "the renamed guideline still checks clean");
  // Inlay hints: what the checker read into the text.
  await openFileByPath(page, "/workspace/se/skane_mms.guide");
  const hints = await page.$$eval(".cm-hint", (h) => h.map((x) => x.textContent));
  check(hints.length > 0, "inlay hints show what the checker read into the text: " + hints.slice(0, 3).join(", "));
  await openFileByPath(page, "/workspace/first.guide");

  await page.click("#tab-patient");
  await page.click("#clear-patient");
  await page.type("#in-age", "40");
  await page.select("#in-start_back-q1", "true");
  await settled(page);
  const firstResult = await page.evaluate(() => ({ plain: window.__studio.lastResult.plain, patient: window.__studio.patient }));
  for (const f of fs.readdirSync(downloads)) fs.rmSync(path.join(downloads, f));
  await page.click("#download");
  let firstArtifact = null;
  for (let i = 0; i < 100 && !firstArtifact; i++) {
    const f = fs.readdirSync(downloads).find((x) => x === "first.json");
    if (f) firstArtifact = path.join(downloads, f);
    else await new Promise((r) => setTimeout(r, 100));
  }
  check(firstArtifact !== null, "the first guideline's artifact downloads");
  if (firstArtifact) {
    const fromArtifact = nativeEval(firstArtifact, firstResult.patient);
    check(JSON.stringify(fromArtifact) === JSON.stringify(firstResult.plain),
      "`guidepath eval` on that artifact gives the panel's result: " + JSON.stringify(firstResult.patient));
  }

  // Opening a file from the disk, saved with Windows line ends: the
  // underline is still on the misspelled name (the editor holds \n ends,
  // and so does the core, so their offsets agree).
  const crlf = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "guidepath-studio-crlf-")), "typo.guide");
  fs.writeFileSync(crlf, fs.readFileSync(path.join(root, "docs/examples/typo.guide"), "utf8").replace(/\n/g, "\r\n"));
  const input = await page.$("#open-input");
  await input.uploadFile(crlf);
  await page.waitForFunction(() => window.__studio.current === "/workspace/typo.guide");
  await settled(page);
  const typo = await codes(page, "/workspace/typo.guide");
  check(typo.includes("E0201"), "a file opened from the disk is checked: " + typo.join(" "));
  const underlined = await page.$$eval(".cm-lintRange-error", (e) => e.map((x) => x.textContent));
  check(underlined.includes("lintn_score"), "its error underlines the misspelled name: " + underlined.join(", "));

  // Keyboard: the tabs move with the arrow keys, and the editor takes focus.
  await page.focus("#tab-report");
  await page.keyboard.press("ArrowRight");
  check(await page.$eval("#tab-patient", (t) => t.getAttribute("aria-selected") === "true" && document.activeElement === t),
    "the panel's tabs move with the arrow keys");

  // Diagnostics on a 1,000-line guideline with the shipped instruments:
  // the check after one keystroke, measured.
  await page.evaluate((big) => window.__studio.add("/workspace/big.guide", big), bigGuideline(1000));
  await openFileByPath(page, "/workspace/big.guide");
  const lines = await page.evaluate(() => window.__studio.view.state.doc.lines);
  await page.evaluate(() => (window.__studio.timings.diagnostics.length = 0));
  for (let i = 0; i < 5; i++) {
    await cursorAt(page, "  weight_loss", 2);
    await page.keyboard.type(" ");
    await settled(page);
    await page.keyboard.press("Backspace");
    await settled(page);
  }
  const times = await page.evaluate(() => window.__studio.timings.diagnostics.slice());
  times.sort((a, b) => a - b);
  budgets.keystroke = times[Math.floor(times.length / 2)];
  budgets.keystrokeLines = lines;
  check(times.length >= 10, `the check ran after each of ${times.length} keystrokes on ${lines} lines`);

  // Accessibility, with axe-core (its source given to the page through the
  // browser's own channel, so no request is made for it).
  const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await openFileByPath(page, "/workspace/se/skane_mms.guide");
  await page.click("#tab-patient");
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target}`);
  });
  check(axe.length === 0, "axe-core finds no accessibility violations" + (axe.length ? ": " + axe.join("; ") : ""));

  // Kept between visits: the edit made above is there after a reload.
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector("body[data-ready=true]");
  const kept = await page.evaluate(() => window.__studio.files.get("/workspace/se/skane_mms.guide").includes("boundary patient"));
  check(kept, "the work is kept in the browser between visits");

  await page.screenshot({ path: path.join(artifacts, "studio.png"), fullPage: true });
  check(errors.length === 0, "no console errors" + (errors.length ? ": " + errors.join("; ") : ""));
  const foreign = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:"));
  check(foreign.length === 0, "nothing is requested but the page's own files" + (foreign.length ? ": " + foreign.join(", ") : ""));
  const own = [...new Set(requests.filter((u) => u.startsWith(origin)).map((u) => new URL(u).pathname))].sort();
  check(own.every((p) => ["/", "/studio.js", "/studio.css", "/guidepath_wasm_bg.wasm", "/workspace.json"].includes(p)),
    "the page's requests are its files: " + own.join(" "));
} finally {
  await browser.close();
  child.kill("SIGINT");
  fs.rmSync(folder, { recursive: true, force: true });
}

async function openFileByPath(page, p) {
  await page.evaluate((p) => window.__studio.open(p), p);
  await settled(page);
}

const wasm = fs.statSync(path.join(root, "editor-support/studio/dist/guidepath_wasm_bg.wasm")).size;
const gz = execFileSync("gzip", ["-9", "-c", path.join(root, "editor-support/studio/dist/guidepath_wasm_bg.wasm")]).length;
console.log(
  `budgets: first load ${budgets.load?.toFixed(0)} ms (budget 1500); wasm ${(wasm / 1048576).toFixed(2)} MiB, ` +
    `${(gz / 1048576).toFixed(2)} MiB gzipped (budget 2) [of the load: wasm ready ${budgets.parts?.init?.toFixed(0)} ms, ` +
    `first check of ${budgets.files} files ${budgets.parts?.firstCheck?.toFixed(0)} ms]; diagnostics after a keystroke on ${budgets.keystrokeLines} lines ` +
    `${budgets.keystroke?.toFixed(1)} ms median (budget 50); patient update ${budgets.patient?.toFixed(1)} ms (budget 16)`,
);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
