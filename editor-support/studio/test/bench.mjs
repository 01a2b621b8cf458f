// What the studio's core costs, in Node, with wall and CPU time, and the
// native binary beside it in the same run:
// - the check after a one-character edit of a 1,000-line guideline that
//   uses a built-in instrument (the studio's keystroke), against `guidepath
//   check` of the same file (a whole check, in a new process);
// - a patient evaluated as the panel does, against `guidepath eval` of the
//   same patients in one `--ndjson` run.
// Prints a Markdown table for BENCHMARKS.md. Measures; asserts nothing.
//
// Usage: node test/bench.mjs GUIDEPATH

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bigGuideline } from "./big.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const guidepath = path.resolve(process.argv[2] || "target/release/guidepath");
const pkg = path.join(root, "editor-support/studio/pkg");
const { default: init, Studio } = await import(path.join(pkg, "guidepath_wasm.js"));
await init({ module_or_path: fs.readFileSync(path.join(pkg, "guidepath_wasm_bg.wasm")) });

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall and CPU milliseconds of `f`, `n` times: medians. */
function measure(n, f) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f(i);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Wall and CPU milliseconds of a native command run `n` times in a row
 * (GNU time, whose clock has 10 ms steps: hence the repeats), per run. */
function native(n, args, input) {
  const loop = `for i in $(seq ${n}); do "$0" "$@" < "${input}" > /dev/null || exit 1; done`;
  const run = spawnSync("/usr/bin/time", ["-f", "%e %U %S", "bash", "-c", loop, guidepath, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`guidepath ${args.join(" ")}: ${run.stderr}`);
  const out = run.stderr.toString();
  const [e, u, s] = out.trim().split("\n").pop().split(" ").map(Number);
  return { wall: (e * 1000) / n, cpu: ((u + s) * 1000) / n };
}

const big = bigGuideline(1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guidepath-bench-"));
const file = path.join(dir, "big.guide");
fs.writeFileSync(file, big);
const lines = big.split("\n").length - 1;

// The keystroke: one character added, then taken away, each checked.
const studio = new Studio(20454);
studio.set_file("/w/big.guide", big);
studio.diagnostics();
const at = big.indexOf("  weight_loss");
const edited = big.slice(0, at) + " " + big.slice(at);
const keystroke = measure(40, (i) => {
  studio.set_file("/w/big.guide", i % 2 ? big : edited);
  studio.diagnostics();
});
const first = measure(5, () => {
  const s = new Studio(20454);
  s.set_file("/w/big.guide", big);
  s.diagnostics();
  s.free();
});
const whole = native(20, ["check", "--today", "2026-01-01", file], "/dev/null");

// The patient panel: the Skåne boundary patient and its neighbours.
const skane = fs.readFileSync(path.join(root, "guidelines/se/skane_mms.guide"), "utf8");
const s2 = new Studio(20454);
s2.set_file("/w/skane_mms.guide", skane);
s2.inputs("/w/skane_mms.guide");
const patients = Array.from({ length: 200 }, (_, i) => ({
  age: 16 + (i % 3),
  linton_score: 48 + (i % 5),
  pain_duration: "P3M",
  pain_sites: ["neck"],
}));
const panel = measure(200, (i) => s2.evaluate("/w/skane_mms.guide", JSON.stringify(patients[i]), "sv"));
fs.writeFileSync(path.join(dir, "patients.ndjson"), patients.map((p) => JSON.stringify(p)).join("\n") + "\n");
const ndjson = native(20, ["eval", "--ndjson", path.join(root, "guidelines/se/skane_mms.guide")], path.join(dir, "patients.ndjson"));

const ms = (x) => x.toFixed(1);
console.log(`| what | studio core (WebAssembly, Node ${process.versions.node}) wall / CPU | native beside it wall / CPU |`);
console.log("|---|---|---|");
console.log(`| check after a one-character edit, ${lines} lines + STarT Back (median of 40) | ${ms(keystroke.wall)} / ${ms(keystroke.cpu)} ms | \`guidepath check\` of the file, new process (mean of 20): ${ms(whole.wall)} / ${ms(whole.cpu)} ms |`);
console.log(`| first check of the same file, new studio (median of 5) | ${ms(first.wall)} / ${ms(first.cpu)} ms | (as above) |`);
console.log(`| one patient in the panel, Skåne, with explanations and the text for people (median of 200) | ${ms(panel.wall)} / ${ms(panel.cpu)} ms | \`guidepath eval --ndjson\`, the 200 in one process (mean of 20): ${ms(ndjson.wall)} / ${ms(ndjson.cpu)} ms in all |`);
fs.rmSync(dir, { recursive: true, force: true });
