//! What a forum and a test run are shown, rendered without I/O, so that the
//! CLI and the browser studio show the same.
//!
//! The forum's document (`guidepath report`): one self-contained HTML page
//! (no network, no external assets; it prints, and reads without
//! JavaScript, which only sorts and filters the catalogue), or the same
//! content as Markdown. Test coverage (`guidepath test --coverage`) is in
//! [`coverage`].

pub mod coverage;

use coverage::{keyed, GoalKey, Seen};
use guidepath_analysis::coverage::coverage;
use guidepath_analysis::inline_tests::run_case;
use guidepath_check::{Checked, FileId, FileSystem};
use guidepath_eval::Evaluator;
use guidepath_syntax::ast::{self, Item, MetaKind, RecEntryKind};
use guidepath_syntax::{Code, Severity};
use std::collections::BTreeMap;

/// One recommendation in the catalogue.
struct Rec {
    guideline: String,
    /// The guideline's own language.
    lang: String,
    file: String,
    line: u32,
    id: String,
    titles: BTreeMap<String, String>,
    direction: &'static str,
    strength: String,
    certainty: String,
    status: String,
    review: String,
    priority: String,
    source: String,
}

struct Finding {
    code: &'static str,
    severity: &'static str,
    message: String,
    line: u32,
    column: u32,
    source: String,
    witness: Option<String>,
    /// How to fix it, as `check` says.
    help: Option<String>,
}

/// One rule in the traceability view.
struct Trace {
    /// `recommendation usual_activity`, `stratum risk.low`, …
    rule: String,
    line: u32,
    /// Each quote and where it stands.
    quotes: Vec<(String, Option<String>)>,
    assumptions: Vec<String>,
    /// Its source is its stratification's, step's or pathway's.
    inherited: bool,
}

/// An assumption for the working group to confirm, once however many
/// rules it covers.
struct Assumed {
    rule: String,
    line: u32,
    text: String,
}

struct FileReport {
    path: String,
    /// Every rule that needs or gives a source, beside it.
    trace: Vec<Trace>,
    assumed: Vec<Assumed>,
    id: String,
    title: String,
    meta: Vec<(&'static str, String)>,
    findings: Vec<Finding>,
    tests: Vec<(String, Option<String>)>,
    /// Covered, total, and what is not covered (place and goal).
    coverage: Option<(usize, usize, Vec<String>)>,
    /// Per language: texts present, texts in all, and what is missing.
    translations: Vec<(String, usize, usize, Vec<String>)>,
    overdue: usize,
}

pub struct Report {
    /// The languages every guideline must have its titles in (a forum's
    /// setting); none set: each guideline's own.
    required: Vec<String>,
    files: Vec<FileReport>,
    recs: Vec<Rec>,
}

impl Report {
    /// Guideline files reported on.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Recommendations in the catalogue.
    pub fn recommendations(&self) -> usize {
        self.recs.len()
    }

    /// The report as one self-contained HTML page, reviews judged on `today`.
    pub fn html(&self, today: i64) -> String {
        html(self, today)
    }

    /// The report as Markdown.
    pub fn markdown(&self, today: i64) -> String {
        markdown(self, today)
    }
}

fn text_map(texts: &[&ast::Text], lang: &str) -> BTreeMap<String, String> {
    texts.iter().map(|t| (t.lang.as_ref().map_or(lang, |l| l.name.as_str()).to_string(), t.value.clone())).collect()
}

/// The report of checked (and analysed) files: `fs` is what they were read
/// from, for compiling and running their tests; `required` the languages
/// every guideline's titles must be in (none: each guideline's own).
pub fn gather(checked: &Checked, fs: &dyn FileSystem, required: &[String]) -> Report {
    let mut all_goals: BTreeMap<GoalKey, Seen> = BTreeMap::new();
    let mut files = Vec::new();
    let mut recs = Vec::new();
    for &id in &checked.roots {
        let file = checked.db.file(id);
        let path = file.path.display().to_string();
        let g = file.ast.items.iter().find_map(|i| match i {
            Item::Guideline(g) => Some(g),
            _ => None,
        });
        // Files without a guideline block (instruments) hold no
        // recommendations; they still show their findings and tests.
        let mut meta: Vec<(&'static str, String)> = Vec::new();
        let mut lang = String::from("und");
        let (mut g_status, mut source) = (String::new(), String::new());
        let mut g_titles: Vec<&ast::Text> = Vec::new();
        if let Some(g) = g {
            g_titles.extend(g.title.iter());
            for m in &g.meta {
                match &m.kind {
                    MetaKind::Title(t) => g_titles.push(t),
                    MetaKind::Issuer(t) => meta.push(("issuer", t.value.clone())),
                    MetaKind::Version(t) => meta.push(("version", t.value.clone())),
                    MetaKind::Status { status, by, since } => {
                        g_status = status.name.clone();
                        let mut s = status.name.clone();
                        if let Some(by) = by {
                            s.push_str(&format!(" by {}", by.dotted()));
                        }
                        if let Some(d) = since {
                            s.push_str(&format!(" since {}", span_text(&file.text, d.span)));
                        }
                        meta.push(("status", s));
                    }
                    MetaKind::Language(l) => {
                        lang = l.name.clone();
                        meta.push(("language", l.name.clone()));
                    }
                    MetaKind::Source { text, url } => {
                        source = text.value.clone();
                        let mut s = text.value.clone();
                        if let Some(u) = url {
                            s.push_str(&format!(" ({})", u.value));
                        }
                        meta.push(("source", s));
                    }
                    MetaKind::Published(d) => meta.push(("published", span_text(&file.text, d.span))),
                    MetaKind::Review(d) => meta.push(("review by", span_text(&file.text, d.span))),
                    MetaKind::Priority(n) => meta.push(("priority", n.text.clone())),
                }
            }
        }
        let g_id = g.map_or_else(
            || file.path.file_stem().map_or(String::new(), |s| s.to_string_lossy().into_owned()),
            |g| g.id.dotted(),
        );
        let g_title = text_map(&g_titles, &lang);
        let title = g_title.get(&lang).or(g_title.values().next()).cloned().unwrap_or_default();
        // Translations: every title of the guideline and its recommendations.
        let mut titled: Vec<(String, BTreeMap<String, String>)> = Vec::new();
        if g.is_some() {
            titled.push((format!("guideline `{g_id}`"), g_title.clone()));
        }
        for item in &file.ast.items {
            let Item::Recommend(r) = item else { continue };
            let mut titles: Vec<&ast::Text> = r.title.iter().collect();
            let (mut strength, mut certainty, mut status, mut review, mut priority) =
                (String::new(), String::new(), String::new(), String::new(), String::new());
            for e in &r.entries {
                match &e.kind {
                    RecEntryKind::Title(t) => titles.push(t),
                    RecEntryKind::Strength(s) => {
                        strength = match guidepath_check::strength_mark(&s.name) {
                            Some((word, _)) => format!("{} {word}", s.name),
                            None => s.name.clone(),
                        }
                    }
                    RecEntryKind::Certainty(c) => certainty = c.name.clone(),
                    RecEntryKind::Lifecycle(MetaKind::Status { status: s, by, .. }) => {
                        status = match by {
                            Some(by) => format!("{} by {}", s.name, by.dotted()),
                            None => s.name.clone(),
                        }
                    }
                    RecEntryKind::Lifecycle(MetaKind::Review(d)) => review = span_text(&file.text, d.span),
                    RecEntryKind::Lifecycle(MetaKind::Priority(n)) => priority = n.text.clone(),
                    _ => {}
                }
            }
            if status.is_empty() {
                status = g_status.clone();
            }
            let titles = text_map(&titles, &lang);
            titled.push((format!("recommendation `{}`", r.name.name), titles.clone()));
            recs.push(Rec {
                guideline: g_id.clone(),
                lang: lang.clone(),
                file: path.clone(),
                line: file.lines.line_col(&file.text, r.name.span.start).line,
                id: r.name.name.clone(),
                titles,
                direction: match r.direction {
                    ast::Direction::For => "for",
                    ast::Direction::Against => "against",
                },
                strength,
                certainty,
                status,
                review,
                priority,
                source: source.clone(),
            });
        }
        // Missing translations count against the languages required only.
        let langs: Vec<String> = if required.is_empty() { vec![lang.clone()] } else { required.to_vec() };
        let translations = langs
            .into_iter()
            .map(|l| {
                let missing: Vec<String> =
                    titled.iter().filter(|(_, t)| !t.contains_key(&l)).map(|(what, _)| what.clone()).collect();
                let have = titled.len() - missing.len();
                (l, have, titled.len(), missing)
            })
            .collect();
        let findings = findings(checked, id);
        let overdue = findings.iter().filter(|f| f.code == Code::ReviewOverdue.as_str()).count();
        let (tests, goals) = tests_and_goals(fs, &file.path);
        // `Some` marks a file whose coverage is measured (it compiled).
        let coverage = goals.as_ref().map(|_| (0, 0, Vec::new()));
        for (key, seen) in goals.into_iter().flatten() {
            all_goals.entry(key).or_default().merge(seen);
        }
        let (trace, assumed) = traceability(file);
        files.push(FileReport {
            path,
            trace,
            assumed,
            id: g_id,
            title,
            meta,
            findings,
            tests,
            coverage,
            translations,
            overdue,
        });
    }
    // Coverage as `test --coverage` counts it: each goal once, in the file
    // it is written in, covered by the tests of any file.
    for f in files.iter_mut().filter(|f| f.coverage.is_some()) {
        let mine: Vec<(&GoalKey, &Seen)> = all_goals.iter().filter(|(k, s)| k.0 == f.path && s.counts()).collect();
        let missing = mine
            .iter()
            .filter(|(_, s)| !s.covered())
            .map(|((_, line, col, rule, what), _)| format!("{line}:{col}: {rule} {what}"))
            .collect();
        let covered = mine.iter().filter(|(_, s)| s.covered()).count();
        f.coverage = Some((covered, mine.len(), missing));
    }
    Report { required: required.to_vec(), files, recs }
}

/// Each rule that needs or gives a source, with its quotes and
/// assumptions, and the file's assumptions, each once.
fn traceability(file: &guidepath_check::SourceFile) -> (Vec<Trace>, Vec<Assumed>) {
    let line = |at: u32| file.lines.line_col(&file.text, at).line;
    let (_, rules) = guidepath_check::provenance::traced(&file.ast);
    let mut trace = Vec::new();
    let mut assumed = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in rules {
        let source = r.source();
        if source.is_none() && !r.needs_source() {
            continue;
        }
        let rule = format!("{} {}", r.what, r.name);
        let (quotes, assumptions) = match source {
            Some(p) => {
                for a in &p.assumptions {
                    if seen.insert(a.span.start) {
                        assumed.push(Assumed {
                            rule: rule.clone(),
                            line: line(a.span.start),
                            text: a.text.value.clone(),
                        });
                    }
                }
                (
                    p.quotes.iter().map(|q| (q.text.value.clone(), q.at.as_ref().map(|a| a.value.clone()))).collect(),
                    p.assumptions.iter().map(|a| a.text.value.clone()).collect(),
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        let inherited = source.is_some_and(|p| !std::ptr::eq(p, r.provenance[0]));
        trace.push(Trace { rule, line: line(r.span.start), quotes, assumptions, inherited });
    }
    (trace, assumed)
}

fn span_text(text: &str, span: guidepath_syntax::Span) -> String {
    span.text(text).to_string()
}

fn findings(checked: &Checked, id: FileId) -> Vec<Finding> {
    let file = checked.db.file(id);
    checked.diagnostics[id]
        .iter()
        .map(|d| {
            let at = file.lines.line_col(&file.text, d.label.span.start);
            // The line from the index, not by scanning the text again for
            // each finding (linear in the findings).
            let line = file.lines.line_of(d.label.span.start);
            let start = file.lines.line_start(line) as usize;
            let end = if line + 1 < file.lines.line_count() {
                file.lines.line_start(line + 1) as usize
            } else {
                file.text.len()
            };
            let source = file.text.get(start..end).unwrap_or("").trim_end().to_string();
            Finding {
                code: d.code.as_str(),
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                },
                message: d.message.clone(),
                line: at.line,
                column: at.column,
                source,
                witness: d.witness.as_ref().map(|w| w.patient.clone()),
                help: d.help.clone(),
            }
        })
        .collect()
}

/// The file's inline tests, run, and the coverage goals of its rules with
/// the tests that reached them; nothing for a file with errors (its
/// findings say why).
type Goals = Vec<(GoalKey, Seen)>;

fn tests_and_goals(fs: &dyn FileSystem, path: &std::path::Path) -> (Vec<(String, Option<String>)>, Option<Goals>) {
    let Some(lowered) = guidepath_check::compile(fs, path).lowered else { return (Vec::new(), None) };
    let goals =
        coverage(&lowered.artifact, &lowered.tests).map(|c| c.goals.into_iter().map(|g| keyed(path, g)).collect()).ok();
    let Ok(ev) = Evaluator::new(lowered.artifact) else { return (Vec::new(), goals) };
    let tests = lowered.tests.iter().map(|t| (t.name.clone(), run_case(&ev, t).err())).collect();
    (tests, goals)
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Counts for the summary: recommendations by status, and what needs the
/// forum's attention.
struct Summary {
    by_status: BTreeMap<String, usize>,
    errors: usize,
    warnings: usize,
    failing: usize,
    untested_files: usize,
    uncovered: usize,
    overdue: usize,
    missing_translations: usize,
    /// Assumptions for the working group to confirm.
    assumptions: usize,
    /// Rules without a quote or an assumption (W0705).
    unsourced: usize,
    /// Numbers their source does not state (W0706).
    flagged: usize,
}

fn summary(r: &Report) -> Summary {
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for rec in &r.recs {
        let s = if rec.status.is_empty() { "no status" } else { rec.status.split(' ').next().unwrap_or("") };
        *by_status.entry(s.to_string()).or_default() += 1;
    }
    let count = |sev: &str| r.files.iter().flat_map(|f| &f.findings).filter(|f| f.severity == sev).count();
    Summary {
        by_status,
        errors: count("error"),
        warnings: count("warning"),
        failing: r.files.iter().flat_map(|f| &f.tests).filter(|t| t.1.is_some()).count(),
        untested_files: r
            .files
            .iter()
            .filter(|f| f.tests.is_empty() && f.coverage.as_ref().is_some_and(|c| c.1 > 0))
            .count(),
        uncovered: r.files.iter().filter_map(|f| f.coverage.as_ref()).map(|c| c.1 - c.0).sum(),
        overdue: r.files.iter().map(|f| f.overdue).sum(),
        missing_translations: r.files.iter().flat_map(|f| &f.translations).map(|t| t.3.len()).sum(),
        assumptions: r.files.iter().map(|f| f.assumed.len()).sum(),
        unsourced: coded(r, Code::Unsourced),
        flagged: coded(r, Code::NumberNotInSource),
    }
}

/// What needs attention, each as a count with its noun and its class.
fn attention(r: &Report, s: &Summary) -> Vec<(usize, String, &'static str)> {
    let langs = if r.required.is_empty() { "each guideline's own language".to_string() } else { r.required.join(", ") };
    let translations = format!("missing translations ({langs})");
    [
        (s.errors, "error", "errors", "error"),
        (s.warnings, "warning or finding", "warnings and findings", "warning"),
        (s.failing, "failing test", "failing tests", "error"),
        (s.untested_files, "file with rules and no tests", "files with rules and no tests", "warning"),
        (s.uncovered, "rule goal no test covers", "rule goals no test covers", "warning"),
        (s.overdue, "overdue review", "overdue reviews", "warning"),
        (s.missing_translations, "missing translation", &translations, "warning"),
        (
            s.unsourced,
            "rule that does not say where it comes from",
            "rules that do not say where they come from",
            "warning",
        ),
        (s.flagged, "number not in its source", "numbers not in their source", "warning"),
        (
            s.assumptions,
            "assumption for the working group to confirm",
            "assumptions for the working group to confirm",
            "warning",
        ),
    ]
    .into_iter()
    .map(|(n, one, many, class)| {
        // The languages are named with the plural and the singular alike.
        let one = if one == "missing translation" {
            translations.replacen("translations", "translation", 1)
        } else {
            one.to_string()
        };
        (n, count(n as u64, &one, many), if n == 0 { "ok" } else { class })
    })
    .collect()
}

/// `12 guideline files, 96 recommendations`.
fn counted(r: &Report) -> String {
    format!(
        "{}, {}",
        count(r.files.len() as u64, "guideline file", "guideline files"),
        count(r.recs.len() as u64, "recommendation", "recommendations")
    )
}

/// The catalogue's title columns: one per language required, else one in
/// each guideline's own language.
fn title_columns(r: &Report) -> Vec<(String, Option<&str>)> {
    if r.required.is_empty() {
        vec![("title".to_string(), None)]
    } else {
        r.required.iter().map(|l| (format!("title ({l})"), Some(l.as_str()))).collect()
    }
}

fn title_in<'a>(rec: &'a Rec, lang: Option<&str>) -> &'a str {
    rec.titles.get(lang.unwrap_or(&rec.lang)).map_or("", String::as_str)
}

/// Direction, strength and certainty in one cell: `against ↓ weak · low`.
fn grade(rec: &Rec) -> String {
    let mut parts = vec![rec.direction.to_string()];
    parts.extend([&rec.strength, &rec.certainty].into_iter().filter(|x| !x.is_empty()).cloned());
    parts.join(" · ")
}

/// Status, review date and priority in one cell.
fn lifecycle(rec: &Rec) -> String {
    let mut parts = vec![if rec.status.is_empty() { "no status".to_string() } else { rec.status.clone() }];
    if !rec.review.is_empty() {
        parts.push(format!("review by {}", rec.review));
    }
    if !rec.priority.is_empty() {
        parts.push(format!("priority {}", rec.priority));
    }
    parts.join(" · ")
}

fn coded(r: &Report, code: Code) -> usize {
    r.files.iter().flat_map(|f| &f.findings).filter(|f| f.code == code.as_str()).count()
}

const STYLE: &str = r#"
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 96em; padding: 0 1em; color: #1b1b1b; }
.wide { overflow-x: auto; } #catalogue { font-size: .88em; }
#catalogue thead th { position: sticky; top: 0; z-index: 1; }
#catalogue td { overflow-wrap: break-word; } #catalogue td.id, #catalogue td.g { overflow-wrap: anywhere; min-width: 8em; }
#catalogue td.status { white-space: nowrap; } #catalogue td.source { max-width: 22em; }
.help { margin: -.3em 0 .6em; color: #333; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-bottom: .3em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #eef2f3; } th[data-sort] { cursor: pointer; } th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
.error { color: #a40000; } .warning { color: #7a5300; } .ok { color: #1d6b1d; }
pre { background: #f6f6f6; padding: .4em; overflow-x: auto; white-space: pre-wrap; }
.controls { margin: .5em 0; display: flex; gap: 1em; flex-wrap: wrap; }
.num { text-align: right; }
blockquote { margin: .2em 0; padding-left: .6em; border-left: 3px solid #9ab; } .at { margin: 0 0 .3em; color: #555; font-size: .9em; }
@media print { .controls { display: none; } h2 { break-before: page; } body { margin: 0; max-width: none; } }
"#;

/// Sorting and filtering the catalogue: optional, the table reads without it.
/// The studio's Content-Security-Policy lets it run by its SHA-256
/// (`crates/cli/src/studio.rs`, `editor-support/studio/src/index.html`);
/// `crates/cli/tests/studio.rs` holds both to this text.
pub const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById("catalogue");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.setAttribute("data-sort", "");
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        var n = x.localeCompare(y, undefined, { numeric: true });
        return asc ? n : -n;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var text = document.getElementById("filter"), status = document.getElementById("status");
  function apply() {
    var q = text.value.toLowerCase(), s = status.value, shown = 0;
    rows.forEach(function (r) {
      var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) && (!s || r.getAttribute("data-status") === s);
      r.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("shown").textContent = shown + " of " + rows.length;
  }
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
  document.getElementById("controls").hidden = false;
  apply();
})();
"#;

fn html(r: &Report, today: i64) -> String {
    let s = summary(r);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>guidepath report</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n");
    h.push_str(&format!(
        "<h1>Guideline report</h1>\n<p>{}; reviews judged as of {}.</p>\n",
        counted(r),
        guidepath_ir::calendar::format_date(today)
    ));
    // Summary.
    h.push_str("<h2 id=\"summary\">Summary</h2>\n<h3>Recommendations by status</h3>\n<table><thead><tr><th>status</th><th>recommendations</th></tr></thead><tbody>\n");
    for (k, v) in &s.by_status {
        h.push_str(&format!("<tr><td>{}</td><td class=\"num\">{v}</td></tr>\n", esc(k)));
    }
    h.push_str("</tbody></table>\n<h3>Needs attention</h3>\n<ul>\n");
    for (_, what, class) in attention(r, &s) {
        h.push_str(&format!("<li class=\"{class}\">{}</li>\n", esc(&what)));
    }
    h.push_str("</ul>\n");
    // Catalogue.
    h.push_str("<h2 id=\"catalogue-heading\">Catalogue of recommendations</h2>\n");
    h.push_str("<div class=\"controls\" id=\"controls\" hidden><label>Filter <input id=\"filter\" type=\"search\"></label> <label>Status <select id=\"status\"><option value=\"\">all</option>");
    for k in s.by_status.keys() {
        h.push_str(&format!("<option>{}</option>", esc(k)));
    }
    h.push_str("</select></label> <span id=\"shown\"></span></div>\n");
    // Few columns, each wrapping, so the catalogue fits a laptop's screen
    // (1,366 px) without scrolling sideways; the header stays in view.
    let columns = title_columns(r);
    h.push_str("<div><table id=\"catalogue\"><thead><tr><th>guideline</th><th>id</th>");
    for (name, _) in &columns {
        h.push_str(&format!("<th>{}</th>", esc(name)));
    }
    h.push_str("<th>recommendation</th><th>status</th><th>source</th></tr></thead>\n<tbody>\n");
    for rec in &r.recs {
        let status = rec.status.split(' ').next().unwrap_or("");
        let status = if status.is_empty() { "no status" } else { status };
        h.push_str(&format!(
            "<tr data-status=\"{}\"><td class=\"g\">{}</td><td class=\"id\"><a href=\"#{}\" title=\"{}:{}; CPG: PlanDefinition/{}\" data-plan-definition=\"{}\">{}</a></td>",
            esc(status),
            esc(&rec.guideline),
            esc(&anchor(&rec.guideline)),
            esc(&rec.file),
            rec.line,
            esc(&guidepath_cpg::definition_id(&rec.guideline, &rec.id)),
            esc(&guidepath_cpg::definition_id(&rec.guideline, &rec.id)),
            esc(&rec.id)
        ));
        for (_, l) in &columns {
            let lang = l.unwrap_or(&rec.lang);
            h.push_str(&format!("<td lang=\"{}\">{}</td>", esc(lang), esc(title_in(rec, *l))));
        }
        h.push_str(&format!(
            "<td>{}</td><td class=\"status\">{}</td><td class=\"source\">{}</td></tr>\n",
            esc(&grade(rec)),
            esc(&lifecycle(rec)),
            esc(&rec.source)
        ));
    }
    h.push_str("</tbody></table></div>\n");
    // Per guideline.
    for f in &r.files {
        h.push_str(&format!(
            "<h2 id=\"{}\">{} <small>{}</small></h2>\n",
            esc(&anchor(&f.id)),
            esc(&f.id),
            esc(&f.title)
        ));
        h.push_str(&format!("<p><code>{}</code></p>\n", esc(&f.path)));
        if !f.meta.is_empty() {
            h.push_str("<table><tbody>\n");
            for (k, v) in &f.meta {
                h.push_str(&format!("<tr><th>{k}</th><td>{}</td></tr>\n", esc(v)));
            }
            h.push_str("</tbody></table>\n");
        }
        h.push_str(&format!("<h3>Diagnostics and findings ({})</h3>\n", f.findings.len()));
        if f.findings.is_empty() {
            h.push_str("<p class=\"ok\">None.</p>\n");
        }
        for d in &f.findings {
            h.push_str(&format!(
                "<p class=\"{}\"><strong>{} {}</strong> line {}:{}: {}</p>\n<pre>{}</pre>\n",
                d.severity,
                d.code,
                d.severity,
                d.line,
                d.column,
                esc(&d.message),
                esc(&d.source)
            ));
            if let Some(help) = &d.help {
                h.push_str(&format!("<p class=\"help\">help: {}</p>\n", esc(help)));
            }
            if let Some(w) = &d.witness {
                h.push_str(&format!("<p>Witness patient:</p>\n<pre>{}</pre>\n", esc(w)));
            }
        }
        let failed = f.tests.iter().filter(|t| t.1.is_some()).count();
        h.push_str(&format!("<h3>Inline tests: {} passed, {failed} failed</h3>\n", f.tests.len() - failed));
        if !f.tests.is_empty() {
            h.push_str("<ul>\n");
            for (name, failure) in &f.tests {
                match failure {
                    None => h.push_str(&format!("<li class=\"ok\">ok: {}</li>\n", esc(name))),
                    Some(why) => {
                        h.push_str(&format!("<li class=\"error\">FAIL: {}<pre>{}</pre></li>\n", esc(name), esc(why)))
                    }
                }
            }
            h.push_str("</ul>\n");
        }
        match &f.coverage {
            Some((c, t, missing)) => {
                h.push_str(&format!("<h3>Test coverage: {c} of {t} goals</h3>\n"));
                if !missing.is_empty() {
                    h.push_str("<ul>\n");
                    for m in missing {
                        h.push_str(&format!("<li class=\"warning\">not covered: {}</li>\n", esc(m)));
                    }
                    h.push_str("</ul>\n");
                }
            }
            None => h.push_str("<h3>Test coverage</h3>\n<p class=\"error\">Not measured: the file has errors.</p>\n"),
        }
        h.push_str("<h3>Translations</h3>\n<table><thead><tr><th>language</th><th>titles</th><th>missing</th></tr></thead><tbody>\n");
        for (l, have, all, missing) in &f.translations {
            h.push_str(&format!(
                "<tr><td>{l}</td><td class=\"num\">{have} of {all}</td><td>{}</td></tr>\n",
                esc(&missing.join(", "))
            ));
        }
        h.push_str("</tbody></table>\n");
        trace_html(&mut h, f);
    }
    h.push_str("<script>");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body>\n</html>\n");
    h
}

/// The traceability view of one file: each rule beside its source, the
/// assumptions to confirm, the rules without a source and the numbers
/// their source does not state.
fn trace_html(h: &mut String, f: &FileReport) {
    let id = anchor(&f.id);
    h.push_str(&format!("<h3 id=\"trace-{}\">Traceability: {} rules</h3>\n", esc(&id), f.trace.len()));
    if !f.trace.is_empty() {
        h.push_str("<div class=\"wide\"><table class=\"trace\"><thead><tr><th>rule</th><th>line</th><th>source</th><th>assumed</th></tr></thead><tbody>\n");
        for t in &f.trace {
            let mut source = String::new();
            for (q, at) in &t.quotes {
                source.push_str(&format!("<blockquote>{}</blockquote>", esc(q)));
                if let Some(at) = at {
                    source.push_str(&format!("<p class=\"at\">— {}</p>", esc(at)));
                }
            }
            if t.quotes.is_empty() && t.assumptions.is_empty() {
                source.push_str("<span class=\"warning\">no source</span>");
            }
            if t.inherited {
                source.push_str("<p class=\"at\">(from the rule it belongs to)</p>");
            }
            let assumed: Vec<String> = t.assumptions.iter().map(|a| esc(a)).collect();
            h.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{source}</td><td>{}</td></tr>\n",
                esc(&t.rule),
                t.line,
                assumed.join("<br>")
            ));
        }
        h.push_str("</tbody></table></div>\n");
    }
    h.push_str(&format!("<h4>Assumptions to confirm ({})</h4>\n", f.assumed.len()));
    if f.assumed.is_empty() {
        h.push_str("<p class=\"ok\">None.</p>\n");
    } else {
        h.push_str("<ul class=\"assumptions\">\n");
        for a in &f.assumed {
            h.push_str(&format!("<li>{} (line {}): {}</li>\n", esc(&a.rule), a.line, esc(&a.text)));
        }
        h.push_str("</ul>\n");
    }
    for (code, title) in
        [(Code::Unsourced, "Rules without a source"), (Code::NumberNotInSource, "Numbers not in their source")]
    {
        let list: Vec<&Finding> = f.findings.iter().filter(|d| d.code == code.as_str()).collect();
        h.push_str(&format!("<h4>{title} ({})</h4>\n", list.len()));
        if list.is_empty() {
            h.push_str("<p class=\"ok\">None.</p>\n");
        } else {
            h.push_str("<ul>\n");
            for d in list {
                h.push_str(&format!("<li class=\"warning\">line {}: {}</li>\n", d.line, esc(&d.message)));
            }
            h.push_str("</ul>\n");
        }
    }
}

fn anchor(id: &str) -> String {
    format!("g-{}", id.replace(|c: char| !c.is_alphanumeric(), "-"))
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(r: &Report, today: i64) -> String {
    let s = summary(r);
    let mut m = format!(
        "# Guideline report\n\n{}; reviews judged as of {}.\n\n## Summary\n\n| status | recommendations |\n|---|---|\n",
        counted(r),
        guidepath_ir::calendar::format_date(today)
    );
    for (k, v) in &s.by_status {
        m.push_str(&format!("| {} | {v} |\n", md(k)));
    }
    let needs: Vec<String> = attention(r, &s).into_iter().map(|(_, what, _)| what).collect();
    m.push_str(&format!("\nNeeds attention: {}.\n", needs.join(", ")));
    let columns = title_columns(r);
    m.push_str("\n## Catalogue of recommendations\n\n| guideline | id |");
    for (name, _) in &columns {
        m.push_str(&format!(" {name} |"));
    }
    m.push_str(" recommendation | status | source |\n|---|---|");
    m.push_str(&"---|".repeat(columns.len() + 3));
    m.push('\n');
    for rec in &r.recs {
        m.push_str(&format!("| {} | {} |", md(&rec.guideline), md(&rec.id)));
        for (_, l) in &columns {
            m.push_str(&format!(" {} |", md(title_in(rec, *l))));
        }
        m.push_str(&format!(" {} | {} | {} |\n", md(&grade(rec)), md(&lifecycle(rec)), md(&rec.source)));
    }
    for f in &r.files {
        m.push_str(&format!("\n## {} — {}\n\n`{}`\n\n", md(&f.id), md(&f.title), f.path));
        for (k, v) in &f.meta {
            m.push_str(&format!("- {k}: {}\n", md(v)));
        }
        m.push_str(&format!("\n### Diagnostics and findings ({})\n\n", f.findings.len()));
        for d in &f.findings {
            m.push_str(&format!(
                "- **{} {}** line {}:{}: {}\n\n  ```\n  {}\n  ```\n",
                d.code, d.severity, d.line, d.column, d.message, d.source
            ));
            if let Some(help) = &d.help {
                m.push_str(&format!("  help: {}\n", md(help)));
            }
            if let Some(w) = &d.witness {
                m.push_str(&format!("  Witness patient: `{}`\n", w.replace('\n', " ")));
            }
        }
        let failed = f.tests.iter().filter(|t| t.1.is_some()).count();
        m.push_str(&format!("\n### Inline tests: {} passed, {failed} failed\n\n", f.tests.len() - failed));
        for (name, failure) in &f.tests {
            m.push_str(&format!("- {} {}\n", if failure.is_none() { "ok" } else { "FAIL" }, md(name)));
        }
        match &f.coverage {
            Some((c, t, missing)) => {
                m.push_str(&format!("\n### Test coverage: {c} of {t} goals\n\n"));
                for x in missing {
                    m.push_str(&format!("- not covered: {}\n", md(x)));
                }
            }
            None => m.push_str("\n### Test coverage\n\nNot measured: the file has errors.\n"),
        }
        m.push_str("\n### Translations\n\n| language | titles | missing |\n|---|---|---|\n");
        for (l, have, all, missing) in &f.translations {
            m.push_str(&format!("| {l} | {have} of {all} | {} |\n", md(&missing.join(", "))));
        }
        m.push_str(&format!(
            "\n### Traceability: {} rules\n\n| rule | line | source | assumed |\n|---|---|---|---|\n",
            f.trace.len()
        ));
        for t in &f.trace {
            let mut source: Vec<String> = t
                .quotes
                .iter()
                .map(|(q, at)| match at {
                    Some(at) => format!("“{}” ({})", md(q), md(at)),
                    None => format!("“{}”", md(q)),
                })
                .collect();
            if source.is_empty() && t.assumptions.is_empty() {
                source.push("**no source**".into());
            }
            let assumed: Vec<String> = t.assumptions.iter().map(|a| md(a)).collect();
            m.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md(&t.rule),
                t.line,
                source.join("<br>"),
                assumed.join("<br>")
            ));
        }
        m.push_str(&format!("\n#### Assumptions to confirm ({})\n\n", f.assumed.len()));
        for a in &f.assumed {
            m.push_str(&format!("- {} (line {}): {}\n", md(&a.rule), a.line, md(&a.text)));
        }
    }
    m
}

/// `1 guideline file`, `2 guideline files`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
