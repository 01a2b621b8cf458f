// guidepath studio: the page. Everything it shows about a guideline comes
// from the core in WebAssembly (crates/wasm): diagnostics, fixes, hover,
// completion, definitions, highlighting, formatting, results, tests,
// coverage and the report. This file holds the files, the editor
// (CodeMirror 6) and the panels, and nothing leaves the page: the only
// requests are for the page's own files.

import { EditorState, StateEffect, StateField, RangeSetBuilder } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  Decoration, WidgetType, hoverTooltip,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { setDiagnostics, lintGutter, lintKeymap } from "@codemirror/lint";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { bracketMatching, indentOnInput } from "@codemirror/language";
import init, { Studio } from "../pkg/guidepath_wasm.js";
import { LANGUAGES, WORDS } from "./words.js";

const STORE = "guidepath-studio/v1";
const $ = (id) => document.getElementById(id);

/** Days since 1970-01-01 in the page's clock: the core reads no clock. */
function today() {
  const d = new Date();
  return Math.floor(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86400000);
}

const STARTER = `guideline example.back_pain "Low back pain: imaging" {
  issuer "Working group"
  version "0.1"
  status draft
  language en
  source "The working group's draft"
}

input {
  age : integer years in 0..130
  red_flags : boolean
}

quote en "Do not offer routine imaging to people with low back pain." at "Recommendation 1"
recommend against routine_imaging "Routine imaging" {
  when not red_flags
}

test "no red flags" {
  given { age: 40, red_flags: false }
  expect routine_imaging applies
}
`;

const app = {
  studio: null,
  files: new Map(), // path → text (the working group's files)
  bases: new Map(), // path → the text the served folder gave it
  builtins: [], // use paths of the built-in instruments
  current: null, // the open file's path
  lang: "en",
  patient: {},
  diagnostics: [], // the core's, every checked file
  timings: { diagnostics: [], patient: [] },
};
window.__studio = app;

function w(key) {
  return (WORDS[app.lang] || WORDS.en)[key] || WORDS.en[key] || key;
}

// ---------------------------------------------------------------- storage

function save() {
  const files = [...app.files].map(([p, t]) => [p, t, app.bases.get(p) ?? null]);
  const data = { files, current: app.current, lang: app.lang, patient: app.patient };
  try {
    localStorage.setItem(STORE, JSON.stringify(data));
  } catch (_) {
    // A full or disabled storage loses only what a reload would keep.
  }
}

function restore() {
  try {
    const data = JSON.parse(localStorage.getItem(STORE) || "null");
    if (data && Array.isArray(data.files)) return data;
  } catch (_) {}
  return null;
}

/** The folder `guidepath studio` serves, if it serves one. */
async function served() {
  try {
    const r = await fetch("workspace.json", { cache: "no-store" });
    if (!r.ok) return null;
    const data = await r.json();
    return Array.isArray(data.files) ? data : null;
  } catch (_) {
    return null;
  }
}

// ---------------------------------------------------------------- editor

/** Decorations the page replaces as a whole (`effect.of(set)`), mapped
 * through edits in between. */
function decorations(effect) {
  return StateField.define({
    create: () => Decoration.none,
    update(deco, tr) {
      deco = deco.map(tr.changes);
      for (const e of tr.effects) if (e.is(effect)) deco = e.value;
      return deco;
    },
    provide: (f) => EditorView.decorations.from(f),
  });
}
// The core's tokens, coloured; lines with goals no test covers.
const setTokens = StateEffect.define();
const tokenField = decorations(setTokens);
const setCoverage = StateEffect.define();
const coverageField = decorations(setCoverage);
// What the checker worked out that the text leaves implicit (a constant's
// unit, a score's range): the language server's inlay hints.
const setHints = StateEffect.define();
const hintField = decorations(setHints);

class HintWidget extends WidgetType {
  constructor(label) {
    super();
    this.label = label;
  }
  eq(other) {
    return other.label === this.label;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = "cm-hint";
    span.textContent = this.label;
    return span;
  }
}

function tokenDecorations(doc, tokens) {
  const b = new RangeSetBuilder();
  for (const [from, to, kind] of tokens) {
    if (to > from && to <= doc.length) b.add(from, to, Decoration.mark({ class: "tok-" + kind }));
  }
  return b.finish();
}

/** Markdown as the core writes hovers: code blocks, quotes, bold, code. */
function markdown(md) {
  const el = document.createElement("div");
  el.className = "md";
  const lines = md.split("\n");
  let code = null;
  let para = null;
  const inline = (target, text) => {
    const parts = text.split(/(`[^`]*`|\*\*[^*]*\*\*)/);
    for (const p of parts) {
      if (p.startsWith("`") && p.endsWith("`") && p.length > 1) {
        const c = document.createElement("code");
        c.textContent = p.slice(1, -1);
        target.append(c);
      } else if (p.startsWith("**") && p.endsWith("**") && p.length > 3) {
        const s = document.createElement("strong");
        s.textContent = p.slice(2, -2);
        target.append(s);
      } else target.append(p);
    }
  };
  for (const line of lines) {
    if (line.startsWith("```")) {
      if (code) {
        el.append(code);
        code = null;
      } else {
        code = document.createElement("pre");
        para = null;
      }
      continue;
    }
    if (code) {
      code.textContent += (code.textContent ? "\n" : "") + line;
      continue;
    }
    if (line.trim() === "" || line.trim() === ">") {
      para = null;
      continue;
    }
    const quote = line.startsWith("> ");
    if (!para || para.dataset.quote !== String(quote)) {
      para = document.createElement(quote ? "blockquote" : "p");
      para.dataset.quote = String(quote);
      el.append(para);
    } else para.append(document.createElement("br"));
    inline(para, quote ? line.slice(2) : line);
  }
  if (code) el.append(code);
  return el;
}

const COMPLETION_TYPE = { keyword: "keyword", value: "enum", unit: "constant" };
const SYMBOL_TYPE = {
  input: "variable", define: "function", score: "function", enum: "enum", stratification: "enum",
  enum_value: "enum", stratum: "enum", instrument: "class", item: "property", step: "property",
  use: "namespace", pathway: "type", recommendation: "method", guideline: "namespace", test: "text",
};

function complete(ctx) {
  if (!app.current || !app.files.has(app.current)) return null;
  const word = ctx.matchBefore(/[A-Za-z_][A-Za-z0-9_]*/);
  if (!word && !ctx.explicit && ctx.state.sliceDoc(ctx.pos - 1, ctx.pos) !== ".") return null;
  const items = JSON.parse(app.studio.completions(app.current, ctx.pos)) || [];
  if (!items.length) return null;
  return {
    from: word ? word.from : ctx.pos,
    options: items.map((i) => ({
      label: i.label,
      type: i.kind.is === "name" ? SYMBOL_TYPE[i.kind.symbol] || "variable" : COMPLETION_TYPE[i.kind.is] || "text",
    })),
    validFor: /^[A-Za-z0-9_]*$/,
  };
}

const hover = hoverTooltip((view, pos) => {
  if (!app.current) return null;
  const h = JSON.parse(app.studio.hover(app.current, pos));
  if (!h) return null;
  return { pos: h.at[0], end: h.at[1], above: true, create: () => ({ dom: markdown(h.markdown) }) };
});

function goToDefinition(view) {
  const pos = view.state.selection.main.head;
  const d = JSON.parse(app.studio.definition(app.current, pos));
  if (!d || !d.at) return false;
  openFile(d.path, d.at[0]);
  return true;
}

function formatFile() {
  if (!app.current || !app.files.has(app.current)) return true;
  const formatted = app.studio.format(app.current);
  if (formatted != null && formatted !== view.state.doc.toString()) {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: formatted } });
  }
  return true;
}

let view;
let loading = false;

function makeView() {
  view = new EditorView({
    parent: $("editor"),
    state: EditorState.create({ doc: "", extensions: extensions(false) }),
  });
  app.view = view;
  focusableScroller();
}

/** The editor's scrolling area takes focus too, so a keyboard user can
 * scroll a long file without moving the cursor (axe-core's
 * scrollable-region-focusable). */
function focusableScroller() {
  view.scrollDOM.tabIndex = 0;
  view.scrollDOM.setAttribute("aria-label", w("editor"));
}

function extensions(readOnly) {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    lintGutter(),
    autocompletion({ override: [complete] }),
    hover,
    tokenField,
    coverageField,
    hintField,
    EditorState.readOnly.of(readOnly),
    EditorView.contentAttributes.of({ "aria-label": w("editor") }),
    keymap.of([
      { key: "F12", run: goToDefinition },
      { key: "F2", run: rename },
      { key: "Shift-Alt-f", run: formatFile },
      { key: "Mod-s", run: () => (saveFile(), true) },
      indentWithTab,
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...completionKeymap,
      ...lintKeymap,
    ]),
    EditorView.domEventHandlers({
      mousedown(e, v) {
        if (!(e.ctrlKey || e.metaKey)) return false;
        const pos = v.posAtCoords({ x: e.clientX, y: e.clientY });
        if (pos == null) return false;
        v.dispatch({ selection: { anchor: pos } });
        return goToDefinition(v);
      },
    }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged && !loading && app.current && app.files.has(app.current)) {
        app.files.set(app.current, u.state.doc.toString());
        schedule();
      }
    }),
  ];
}

// ---------------------------------------------------------------- checking

let pending = 0;
function schedule() {
  // Typing is never held up: the check runs once the keystrokes so far
  // have been applied.
  if (pending) return;
  pending = requestAnimationFrame(() => {
    pending = 0;
    refresh();
  });
}

/** Checks every file, and shows what the check says. */
function refresh() {
  const t0 = performance.now();
  for (const [p, text] of app.files) app.studio.set_file(p, text);
  app.diagnostics = JSON.parse(app.studio.diagnostics());
  const t1 = performance.now();
  app.timings.diagnostics.push(t1 - t0);
  showDiagnostics();
  showTokens();
  showProblems();
  updatePatient();
  save();
}

function severity(s) {
  return s === "error" ? "error" : s === "warning" ? "warning" : "info";
}

function showDiagnostics() {
  const file = app.diagnostics.find((f) => f.path === app.current);
  const doc = view.state.doc;
  const list = (file ? file.diagnostics : []).map((d) => {
    const [from, to] = d.at;
    return {
      from: Math.min(from, doc.length),
      to: Math.min(Math.max(to, from), doc.length),
      severity: severity(d.severity),
      source: d.code,
      message: d.message + (d.label.message ? ` (${d.label.message})` : ""),
      renderMessage: () => diagnosticBody(d),
      actions: d.actions.map((a) => ({
        name: a.title,
        apply(v) {
          v.dispatch({ changes: { from: a.at[0], to: a.at[1], insert: a.text } });
        },
      })),
    };
  });
  view.dispatch(setDiagnostics(view.state, list));
}

function diagnosticBody(d) {
  const el = document.createElement("div");
  el.append(`${d.code}: ${d.message}` + (d.label.message ? ` (${d.label.message})` : ""));
  if (d.help) {
    const h = document.createElement("span");
    h.className = "help";
    h.textContent = `${w("help")}: ${d.help}`;
    el.append(h);
  }
  if (d.witness) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "witness";
    b.textContent = w("tryWitness");
    b.addEventListener("click", () => tryPatient(d.witness.patient));
    el.append(b);
  }
  return el;
}

function showTokens() {
  if (!app.current) return;
  const doc = view.state.doc;
  const tokens = JSON.parse(app.studio.tokens(app.current)) || [];
  const hints = JSON.parse(app.studio.hints(app.current)) || [];
  const b = new RangeSetBuilder();
  for (const h of hints) {
    if (h.at <= doc.length) b.add(h.at, h.at, Decoration.widget({ widget: new HintWidget(h.label), side: 1 }));
  }
  view.dispatch({ effects: [setTokens.of(tokenDecorations(doc, tokens)), setHints.of(b.finish())] });
}

/** Renames what the cursor names, in every file that names it (F2). */
function rename(v) {
  if (!app.current || !app.files.has(app.current)) return false;
  const pos = v.state.selection.main.head;
  const name = prompt(w("newName"));
  if (!name) return true;
  const r = JSON.parse(app.studio.rename(app.current, pos, name));
  if (r.error) {
    status(r.error);
    return true;
  }
  const byFile = new Map();
  for (const e of r.edits) {
    if (!byFile.has(e.path)) byFile.set(e.path, []);
    byFile.get(e.path).push(e);
  }
  for (const [p, edits] of byFile) {
    if (p === app.current) {
      v.dispatch({ changes: edits.map((e) => ({ from: e.at[0], to: e.at[1], insert: e.text })) });
    } else if (app.files.has(p)) {
      // Other files: edited from the end, so earlier places stay put.
      let text = app.files.get(p);
      for (const e of [...edits].sort((a, b) => b.at[0] - a.at[0])) text = text.slice(0, e.at[0]) + e.text + text.slice(e.at[1]);
      app.files.set(p, text);
    }
  }
  status(`${r.edits.length} × ${name}`);
  schedule();
  return true;
}

function showProblems() {
  const ul = $("problems");
  ul.replaceChildren();
  let n = 0;
  for (const f of app.diagnostics) {
    for (const d of f.diagnostics) {
      n++;
      const li = document.createElement("li");
      li.className = d.severity;
      const b = document.createElement("button");
      b.type = "button";
      const sev = document.createElement("span");
      sev.className = "sev";
      sev.textContent = d.code;
      b.append(sev, `${short(f.path)}:${d.label.start.line}: ${d.message}`);
      b.addEventListener("click", () => {
        openFile(f.path, d.at[0]);
        if (d.witness) tryPatient(d.witness.patient, false);
      });
      li.append(b);
      ul.append(li);
    }
  }
  if (n === 0) {
    const li = document.createElement("li");
    li.textContent = w("noProblems");
    ul.append(li);
  }
}

function short(path) {
  return path.replace(/^\/workspace\//, "").replace(/^<guidepath-[^>]*>\//, "");
}

// ---------------------------------------------------------------- files

function showFiles() {
  const ul = $("files");
  ul.replaceChildren();
  for (const p of [...app.files.keys()].sort()) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "file";
    b.textContent = short(p);
    if (p === app.current) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => openFile(p));
    const x = document.createElement("button");
    x.type = "button";
    x.textContent = "×";
    x.setAttribute("aria-label", `${w("close")}: ${short(p)}`);
    x.addEventListener("click", () => removeFile(p));
    li.append(b, x);
    ul.append(li);
  }
  for (const { use: u, path: p } of app.builtins) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "file";
    b.append(`${u} `);
    const s = document.createElement("span");
    s.className = "builtin";
    s.textContent = `(${w("builtin")})`;
    b.append(s);
    if (p === app.current) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => openFile(p));
    li.append(b);
    ul.append(li);
  }
}

/** Opens a file in the editor, at `at` if given. */
function openFile(path, at) {
  if (!path) return;
  const own = app.files.has(path);
  const text = own ? app.files.get(path) : app.studio.source(path);
  if (text == null) return;
  if (path !== app.current) {
    app.current = path;
    loading = true;
    view.setState(EditorState.create({ doc: text, extensions: extensions(!own) }));
    focusableScroller();
    loading = false;
    $("file-name").textContent = short(path) + (own ? "" : ` — ${w("readOnly")}`);
    showFiles();
    showDiagnostics();
    showTokens();
    updatePatient(true);
    save();
  }
  if (at != null) {
    view.dispatch({ selection: { anchor: Math.min(at, view.state.doc.length) }, scrollIntoView: true });
  }
  view.focus();
}

/** A file joins the studio with \n line ends, as the editor holds text
 * (so offsets agree); it is saved with them. */
function addFile(path, text) {
  text = text.replace(/\r\n?/g, "\n");
  app.files.set(path, text);
  app.studio.set_file(path, text);
}

function removeFile(path) {
  if (!confirm(w("confirmClose"))) return;
  app.files.delete(path);
  app.studio.remove_file(path);
  if (app.current === path) {
    app.current = null;
    const next = [...app.files.keys()].sort()[0];
    if (next) openFile(next);
  }
  refresh();
  showFiles();
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function saveFile() {
  if (!app.current || !app.files.has(app.current)) return;
  download(app.current.split("/").pop(), app.files.get(app.current), "text/plain");
}

function downloadArtifact() {
  if (!app.current || !app.files.has(app.current)) return;
  const out = app.studio.compile(app.current);
  let parsed = null;
  try {
    parsed = JSON.parse(out);
  } catch (_) {}
  if (!parsed || parsed.error) {
    status(w("artifactRefused"));
    return;
  }
  download(app.current.split("/").pop().replace(/\.guide$/, "") + ".json", out, "application/json");
}

function status(text) {
  $("status").textContent = text;
}

// ---------------------------------------------------------------- patient

let inputs = null; // the compiled inputs of the open file

function setPath(obj, path, value) {
  const parts = path.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] = typeof o[p] === "object" && o[p] !== null ? o[p] : {};
  const last = parts[parts.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

function getPath(obj, path) {
  return path.split(".").reduce((o, p) => (o && typeof o === "object" ? o[p] : undefined), obj);
}

/** Drops empty objects left behind when answers are cleared. */
function prune(obj) {
  for (const k of Object.keys(obj)) {
    if (obj[k] && typeof obj[k] === "object" && !Array.isArray(obj[k])) {
      prune(obj[k]);
      if (Object.keys(obj[k]).length === 0) delete obj[k];
    }
  }
  return obj;
}

function fieldId(path) {
  return "in-" + path.replace(/[^A-Za-z0-9_]/g, "-");
}

function titleOf(input) {
  const d = input.description;
  if (!d) return null;
  if (typeof d === "string") return d;
  return d[app.lang] || d.text || Object.values(d)[0] || null;
}

/** A field per input: its type, unit and range. */
function buildForm() {
  const form = $("patient-form");
  form.replaceChildren();
  if (!inputs) return;
  const groups = new Map();
  for (const input of inputs) {
    const dot = input.path.lastIndexOf(".");
    const group = dot > 0 ? input.path.slice(0, dot) : "";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(input);
  }
  for (const [group, list] of groups) {
    let target = form;
    if (group) {
      const fs = document.createElement("fieldset");
      const lg = document.createElement("legend");
      lg.textContent = group;
      fs.append(lg);
      form.append(fs);
      target = fs;
    }
    for (const input of list) target.append(field(input));
  }
}

function field(input) {
  const div = document.createElement("div");
  div.className = input.type === "set" ? "field set" : "field";
  const id = fieldId(input.path);
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = input.path + (input.unit ? ` (${input.unit})` : "");
  let control;
  const value = getPath(app.patient, input.path);
  const set = (v) => {
    setPath(app.patient, input.path, v);
    prune(app.patient);
    evaluate();
    save();
  };
  switch (input.type) {
    case "boolean": {
      control = select(["", "true", "false"], [rw("unknown"), rw("yes"), rw("no")], value === undefined ? "" : String(value));
      control.addEventListener("change", () => set(control.value === "" ? undefined : control.value === "true"));
      break;
    }
    case "enum": {
      control = select(["", ...input.values], [rw("unknown"), ...input.values], value ?? "");
      control.addEventListener("change", () => set(control.value === "" ? undefined : control.value));
      break;
    }
    case "set": {
      control = document.createElement("fieldset");
      control.id = id;
      const lg = document.createElement("legend");
      lg.className = "visually-hidden";
      lg.textContent = input.path;
      control.append(lg);
      const chosen = new Set(Array.isArray(value) ? value : []);
      for (const v of input.values) {
        const l = document.createElement("label");
        const c = document.createElement("input");
        c.type = "checkbox";
        c.value = v;
        c.checked = chosen.has(v);
        c.addEventListener("change", () => {
          const all = [...control.querySelectorAll("input:checked")].map((x) => x.value);
          set(all.length ? all : undefined);
        });
        l.append(c, " " + v);
        control.append(l);
      }
      break;
    }
    case "integer":
    case "decimal": {
      control = document.createElement("input");
      control.type = "number";
      control.step = input.type === "integer" ? "1" : "any";
      if (input.range) {
        control.min = input.range[0];
        control.max = input.range[1];
      }
      control.value = value ?? "";
      control.addEventListener("input", () => set(control.value === "" ? undefined : Number(control.value)));
      break;
    }
    case "date": {
      control = document.createElement("input");
      control.type = "date";
      control.value = value ?? "";
      control.addEventListener("input", () => set(control.value === "" ? undefined : control.value));
      break;
    }
    default: {
      // Durations in ISO 8601 (`P3M`), and texts.
      control = document.createElement("input");
      control.type = "text";
      if (input.type === "duration") control.placeholder = "P3M";
      control.value = value ?? "";
      control.addEventListener("input", () => set(control.value === "" ? undefined : control.value));
    }
  }
  if (input.type !== "set") control.id = id;
  div.append(label, control);
  const hint = titleOf(input);
  const range = input.range ? `${input.range[0]}..${input.range[1]}` : "";
  if (hint || range || input.type === "duration") {
    const h = document.createElement("span");
    h.className = "hint";
    h.id = id + "-hint";
    h.textContent = [hint, range, input.type === "duration" ? "ISO 8601, P3M" : ""].filter(Boolean).join(" · ");
    div.append(h);
    control.setAttribute("aria-describedby", h.id);
  }
  return div;
}

function select(values, labels, current) {
  const s = document.createElement("select");
  values.forEach((v, i) => {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = labels[i];
    s.append(o);
  });
  s.value = current;
  return s;
}

let inputsKey = null;

/** The panel for the open file: its form, when its inputs change. */
function updatePatient(force) {
  const note = $("patient-note");
  if (!app.current || !app.files.has(app.current)) {
    inputs = null;
    buildForm();
    $("result").replaceChildren();
    return;
  }
  const answer = JSON.parse(app.studio.inputs(app.current));
  note.className = "";
  if (answer.error) {
    note.textContent = `${w("refused")} ${answer.error}`;
    inputs = null;
    inputsKey = null;
    buildForm();
    $("result").replaceChildren();
    $("explain").textContent = "";
    return;
  }
  if (answer.findings.length) {
    note.className = "findings";
    note.textContent = `${w("findings")} ${answer.findings.join("; ")}`;
  } else note.textContent = "";
  const key = JSON.stringify(answer.inputs) + app.lang;
  if (force || key !== inputsKey) {
    inputs = answer.inputs;
    inputsKey = key;
    buildForm();
  }
  evaluate();
}

function tryPatient(patient, switchTab = true) {
  app.patient = JSON.parse(JSON.stringify(patient || {}));
  updatePatient(true);
  if (switchTab) selectTab("patient");
  save();
}

const STATE_CLASS = { applies: "applies", undecided: "undecided" };

function evaluate() {
  const out = $("result");
  if (!inputs) return;
  const t0 = performance.now();
  const r = JSON.parse(app.studio.evaluate(app.current, JSON.stringify(app.patient), app.lang));
  app.timings.patient.push(performance.now() - t0);
  out.replaceChildren();
  if (r.error || r.errors) {
    const p = document.createElement("p");
    p.className = "against";
    p.textContent = r.error || r.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
    out.append(p);
    $("explain").textContent = "";
    return;
  }
  app.lastResult = r;
  const res = r.result;
  const section = (heading, items, line) => {
    if (!items.length) return;
    const h = document.createElement("h4");
    h.textContent = heading;
    const ul = document.createElement("ul");
    for (const it of items) ul.append(line(it));
    out.append(h, ul);
  };
  const li = (title, id, state, cls, needs) => {
    const el = document.createElement("li");
    el.dataset.id = id;
    const s = document.createElement("span");
    s.className = "state " + cls;
    s.textContent = state;
    el.append(`${title} (${id}): `, s);
    if (needs && needs.length) {
      const n = document.createElement("div");
      n.className = "needs";
      n.textContent = `${rw("decided_by")}: ${needs.join(", ")}`;
      el.append(n);
    }
    return el;
  };
  section(rw("strata"), res.strata, (s) =>
    li(s.title || s.id, s.id, s.stratum ? s.stratum : stateWord(s.state), s.state === "undecided" ? "undecided" : "applies", s.needs),
  );
  section(rw("recommendations"), res.recommendations, (x) =>
    li(
      (x.direction === "against" ? "⊘ " : "") + (x.title || x.id),
      x.id,
      stateWord(x.state, x.applies),
      x.state === "undecided" ? "undecided" : x.applies ? (x.direction === "against" ? "against" : "applies") : "does-not-apply",
      x.needs,
    ),
  );
  section(rw("pathways"), res.pathways, (x) =>
    li(x.title || x.id, x.id, stateWord(x.state, x.applies), x.state === "undecided" ? "undecided" : x.applies ? "applies" : "does-not-apply", x.needs),
  );
  $("explain").textContent = r.human;
}

/** A result's state in the core's words for the page's language. */
function stateWord(state, applies) {
  if (state === "undecided") return rw("undecided");
  if (state === "not_applicable") return rw("not_applicable");
  return applies === false ? rw("does_not_apply") : rw("applies");
}

/** A word of results (`guidepath_words`, through the core). */
function rw(key) {
  app.resultWords ??= {};
  app.resultWords[app.lang] ??= JSON.parse(Studio.words(app.lang));
  return app.resultWords[app.lang][key];
}

function makeTest() {
  if (!inputs) return;
  const name = prompt(w("testName"), "patient");
  if (!name) return;
  const block = app.studio.patient_test(app.current, name, JSON.stringify(app.patient));
  if (!block) return;
  const doc = view.state.doc;
  const sep = doc.length && !doc.toString().endsWith("\n") ? "\n\n" : "\n";
  view.dispatch({ changes: { from: doc.length, insert: sep + block } });
}

// ---------------------------------------------------------------- tests

function runTests() {
  const out = $("test-results");
  out.replaceChildren();
  if (!app.current || !app.files.has(app.current)) return;
  const r = JSON.parse(app.studio.run_tests(app.current));
  if (r.error) {
    out.textContent = r.error;
    return;
  }
  const h = document.createElement("p");
  h.id = "test-summary";
  h.textContent = `${r.passed} ${w("passed")}, ${r.failed} ${w("failed")}`;
  out.append(h);
  const ul = document.createElement("ul");
  for (const t of r.tests) {
    const li = document.createElement("li");
    li.className = t.ok ? "ok" : "fail";
    li.textContent = (t.ok ? "✓ " : "✗ ") + t.name;
    if (t.failure) {
      const pre = document.createElement("pre");
      pre.textContent = t.failure;
      li.append(pre);
    }
    ul.append(li);
  }
  out.append(ul);
  const c = JSON.parse(app.studio.coverage(app.current));
  if (c.error) return;
  const ch = document.createElement("h4");
  ch.textContent = w("coverage");
  const cp = document.createElement("p");
  cp.id = "coverage-summary";
  cp.textContent = `${c.coverage.covered} / ${c.coverage.total} ${w("goals")} (${c.coverage.percent}%)`;
  out.append(ch, cp);
  const uncovered = c.goals.filter((g) => !g.covered && !g.unreachable);
  const b = new RangeSetBuilder();
  const doc = view.state.doc;
  const lines = [...new Set(uncovered.filter((g) => g.file === app.current && g.line > 0).map((g) => g.line))].sort((a, z) => a - z);
  for (const l of lines) {
    if (l <= doc.lines) b.add(doc.line(l).from, doc.line(l).from, Decoration.line({ class: "uncovered" }));
  }
  view.dispatch({ effects: setCoverage.of(b.finish()) });
  if (uncovered.length) {
    const nh = document.createElement("h4");
    nh.textContent = w("notCovered");
    const nu = document.createElement("ul");
    for (const g of uncovered) {
      const li = document.createElement("li");
      li.textContent = `${short(g.file)}:${g.line}  ${g.rule}  ${g.goal}`;
      nu.append(li);
    }
    out.append(nh, nu);
  }
}

// ---------------------------------------------------------------- report

function makeReport() {
  const html = app.studio.report($("report-languages").value, today());
  // A blob in a sandboxed frame: the report's own script sorts and
  // filters, and it cannot reach the page.
  const frame = $("report-frame");
  if (frame.dataset.url) URL.revokeObjectURL(frame.dataset.url);
  const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
  frame.dataset.url = url;
  frame.src = url;
}

// ---------------------------------------------------------------- page

function selectTab(name) {
  for (const t of ["patient", "tests", "report"]) {
    const on = t === name;
    $("tab-" + t).setAttribute("aria-selected", String(on));
    $("tab-" + t).tabIndex = on ? 0 : -1;
    $("pane-" + t).hidden = !on;
  }
}

function setLanguage(lang) {
  app.lang = WORDS[lang] ? lang : "en";
  document.documentElement.lang = app.lang;
  const text = {
    title: "title", privacy: "privacy", "lang-label": "language", open: "open", save: "save", format: "format",
    download: "download", "files-heading": "files", "new-file": "newFile", "problems-heading": "problems",
    "editor-heading": "editor", "tab-patient": "patient", "tab-tests": "tests", "tab-report": "report",
    "clear-patient": "clearPatient", "make-test": "makeTest", "result-heading": "evaluate",
    "run-tests": "runTests", "make-report": "makeReport",
    "report-languages-label": "reportLanguages",
  };
  for (const [id, key] of Object.entries(text)) $(id).textContent = w(key);
  $("explain-heading").textContent = rw("explanation");
  $("panel").setAttribute("aria-label", `${w("patient")}, ${w("tests")}, ${w("report")}`);
  $("report-frame").title = w("report");
  document.title = w("title");
  if (app.studio) {
    showProblems();
    showFiles();
    updatePatient(true);
  }
  save();
}

function wire() {
  const langs = $("lang");
  for (const [tag, name] of Object.entries(LANGUAGES)) {
    const o = document.createElement("option");
    o.value = tag;
    o.textContent = name;
    langs.append(o);
  }
  langs.value = app.lang;
  langs.addEventListener("change", () => setLanguage(langs.value));
  $("open").addEventListener("click", () => $("open-input").click());
  $("open-input").addEventListener("change", async (e) => {
    let last = null;
    for (const f of e.target.files) {
      last = "/workspace/" + f.name;
      addFile(last, await f.text());
    }
    e.target.value = "";
    refresh();
    showFiles();
    if (last) openFile(last);
  });
  $("save").addEventListener("click", saveFile);
  $("format").addEventListener("click", formatFile);
  $("download").addEventListener("click", downloadArtifact);
  $("new-file").addEventListener("click", () => {
    let name = prompt(w("newFileName"), "new.guide");
    if (!name) return;
    if (!name.endsWith(".guide")) name += ".guide";
    const p = "/workspace/" + name.replace(/^\/+/, "");
    if (!app.files.has(p)) addFile(p, "");
    refresh();
    showFiles();
    openFile(p);
  });
  $("clear-patient").addEventListener("click", () => tryPatient({}, false));
  $("make-test").addEventListener("click", makeTest);
  $("run-tests").addEventListener("click", runTests);
  $("make-report").addEventListener("click", makeReport);
  const tabs = ["patient", "tests", "report"];
  for (const t of tabs) {
    $("tab-" + t).addEventListener("click", () => selectTab(t));
    $("tab-" + t).addEventListener("keydown", (e) => {
      const k = tabs.indexOf(t);
      const next = e.key === "ArrowRight" ? tabs[(k + 1) % 3] : e.key === "ArrowLeft" ? tabs[(k + 2) % 3] : null;
      if (next) {
        selectTab(next);
        $("tab-" + next).focus();
      }
    });
  }
}

async function main() {
  const t0 = performance.now();
  await init({ module_or_path: new URL("guidepath_wasm_bg.wasm", import.meta.url) });
  app.timings.init = performance.now() - t0;
  app.studio = new Studio(today());
  app.builtins = JSON.parse(Studio.builtins());
  const stored = restore();
  const folder = await served();
  app.lang = (stored && stored.lang) || (navigator.language || "en").slice(0, 2);
  if (!WORDS[app.lang]) app.lang = "en";
  if (folder && folder.files.length) {
    // The folder's files, with this browser's edits of them kept while
    // the file on the disk is as it was when they were made.
    const edits = new Map((stored ? stored.files : []).map(([p, t, base]) => [p, { t, base }]));
    for (const f of folder.files) {
      const p = "/workspace/" + f.path;
      const e = edits.get(p);
      addFile(p, e && e.base === f.text ? e.t : f.text);
      app.bases.set(p, f.text);
    }
    status(w("openedFrom"));
  } else if (stored && stored.files.length) {
    for (const [p, t] of stored.files) addFile(p, t);
  } else {
    addFile("/workspace/example.guide", STARTER);
  }
  if (stored && stored.patient && !folder) app.patient = stored.patient;
  wire();
  makeView();
  setLanguage(app.lang);
  const t1 = performance.now();
  refresh();
  app.timings.firstCheck = performance.now() - t1;
  const first = (stored && app.files.has(stored.current) && stored.current) || [...app.files.keys()].sort()[0];
  showFiles();
  openFile(first);
  app.timings.load = performance.now() - t0;
  // For the browser test, and for anyone scripting the page.
  app.open = openFile;
  app.add = (p, text) => {
    addFile(p, text);
    refresh();
    showFiles();
  };
  app.timings.ready = performance.now();
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  status(String(e));
  console.error(e);
});
