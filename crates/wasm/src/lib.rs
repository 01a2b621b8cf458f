//! The guidepath core for the browser studio, through wasm-bindgen.
//!
//! [`Studio`] holds the working group's files in memory over the built-in
//! instruments (`guidepath_check::stdlib`), and answers the page with the
//! code the CLI and the language server run: `guidepath_ide` for what an
//! editor offers, the gate and the evaluator for patients, and
//! `guidepath_report` for the report and coverage. Nothing here reads a
//! clock, a disk or the network: "today" is given by the page.
//!
//! Answers are JSON text (the page parses them), in the shapes
//! `docs/studio.md` documents. Positions the page gives and gets are
//! UTF-16 code units into a file's text, as JavaScript strings count; the
//! Rust side works in bytes, and [`Units`] converts.

use guidepath_analysis::gate::{self, Policy};
use guidepath_check::{FileSystem, MemoryFs};
use guidepath_eval::{Evaluator, ReportOptions};
use guidepath_ide::{Analysis, AnalysisHost};
use guidepath_syntax::{LineIndex, Span};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasm_bindgen::prelude::wasm_bindgen;

/// Version of the JSON the studio's functions answer with.
pub const SCHEMA: u32 = 1;

/// Offsets in a text, between bytes and UTF-16 code units.
pub struct Units<'t> {
    text: &'t str,
    lines: LineIndex,
    /// The UTF-16 offset at which each line starts.
    starts: Vec<u32>,
}

impl<'t> Units<'t> {
    pub fn new(text: &'t str) -> Units<'t> {
        let lines = LineIndex::new(text);
        let mut starts = Vec::with_capacity(lines.line_count());
        let mut units = 0u32;
        let mut from = 0usize;
        for l in 0..lines.line_count() {
            let at = lines.line_start(l) as usize;
            units += text.get(from..at).map_or(0, |s| s.encode_utf16().count() as u32);
            starts.push(units);
            from = at;
        }
        Units { text, lines, starts }
    }

    /// The UTF-16 offset of a byte offset.
    pub fn to_utf16(&self, byte: u32) -> u32 {
        let (line, col) = self.lines.line_utf16(self.text, byte);
        self.starts.get(line as usize).copied().unwrap_or(0) + col
    }

    /// The byte offset of a UTF-16 offset (clamped to the text).
    pub fn to_byte(&self, units: u32) -> u32 {
        let line = self.starts.partition_point(|&s| s <= units).saturating_sub(1);
        let col = units - self.starts.get(line).copied().unwrap_or(0);
        self.lines.offset_utf16(self.text, line as u32, col)
    }

    /// A span as `[from, to]` in UTF-16.
    pub fn span(&self, s: Span) -> Value {
        json!([self.to_utf16(s.start), self.to_utf16(s.end)])
    }
}

/// The working group's files, checked and tried, in memory.
#[wasm_bindgen]
pub struct Studio {
    host: AnalysisHost,
    /// Each file's compiled rules while its text and what it uses are as
    /// they were (by the host's generation of texts).
    compiled: HashMap<PathBuf, (u64, Result<Compiled, String>)>,
    generation: u64,
}

/// A file through the gate: the evaluator, and the findings it carries
/// (only when the gate passed it for drafting, see [`Studio::compile_for`]).
struct Compiled {
    evaluator: Evaluator,
    findings: Vec<String>,
}

fn path(p: &str) -> PathBuf {
    PathBuf::from(p)
}

fn text(v: Value) -> String {
    v.to_string()
}

#[wasm_bindgen]
impl Studio {
    /// A studio with no files, judging review dates on `today` (days since
    /// 1970-01-01, from the page's clock).
    #[wasm_bindgen(constructor)]
    pub fn new(today: i32) -> Studio {
        let base: Arc<dyn FileSystem + Send + Sync> = Arc::new(MemoryFs::default());
        Studio { host: AnalysisHost::new(base, i64::from(today)), compiled: HashMap::new(), generation: 0 }
    }

    pub fn set_today(&mut self, today: i32) {
        self.host.set_today(i64::from(today));
    }

    /// Adds a file, or gives it a new text.
    pub fn set_file(&mut self, path: &str, text: &str) {
        if self.host.text(Path::new(path)) != Some(text) {
            self.host.set_text(self::path(path), text.to_string());
            self.generation += 1;
        }
    }

    pub fn remove_file(&mut self, path: &str) {
        self.host.remove(Path::new(path));
        self.compiled.remove(Path::new(path));
        self.generation += 1;
    }

    /// The words results are shown in, in `lang` (da, sv, nb, en): the
    /// core's own table, so the panel says what `guidepath eval` says.
    pub fn words(lang: &str) -> String {
        let w = guidepath_words::Lang::parse(lang).unwrap_or(guidepath_words::Lang::En).words();
        text(json!({
            "strata": w.strata, "recommendations": w.recommendations, "pathways": w.pathways,
            "explanation": w.explanation, "applies": w.applies, "does_not_apply": w.does_not_apply,
            "not_applicable": w.not_applicable, "undecided": w.undecided, "do_not_offer": w.do_not_offer,
            "decided_by": w.decided_by, "unknown": w.unknown, "yes": w.yes, "no": w.no,
        }))
    }

    /// The built-in instruments a `use` finds, and the path each opens at:
    /// `[{"use": "instruments.start_back", "path": "<guidepath-…>/instruments/start_back.guide"}]`.
    pub fn builtins() -> String {
        let list: Vec<Value> = guidepath_check::stdlib::uses()
            .filter_map(|u| {
                let rel = PathBuf::from(format!("{}.guide", u.replace('.', "/")));
                let p = guidepath_check::stdlib::find(&rel)?;
                Some(json!({ "use": u, "path": p.display().to_string() }))
            })
            .collect();
        text(json!(list))
    }

    /// Every checked file's diagnostics, in `guidepath check --format
    /// json`'s shape, each with its place in UTF-16 (`at`) and its fixes
    /// (`actions`): `[{"path", "builtin", "diagnostics": […]}]`.
    pub fn diagnostics(&mut self) -> String {
        let mut out = Vec::new();
        for f in self.host.diagnostics() {
            let file = f.checked.db.file(f.file);
            let units = Units::new(&file.text);
            let diagnostics: Vec<Value> = f
                .diagnostics()
                .iter()
                .map(|d| {
                    let mut v = serde_json::to_value(guidepath_check::json::diagnostic(file, d)).unwrap_or(Value::Null);
                    let actions: Vec<Value> = guidepath_ide::actions(d, file.text.len())
                        .into_iter()
                        .map(|a| {
                            json!({ "title": a.title, "at": units.span(a.edit.span), "text": a.edit.new_text, "preferred": a.preferred })
                        })
                        .collect();
                    if let Value::Object(m) = &mut v {
                        m.insert("at".into(), units.span(d.label.span));
                        m.insert("actions".into(), Value::Array(actions));
                    }
                    v
                })
                .collect();
            out.push(json!({
                "path": f.path.display().to_string(),
                "builtin": guidepath_check::stdlib::is_std(&f.path),
                "diagnostics": diagnostics,
            }));
        }
        text(json!(out))
    }

    /// The text of a checked file: an open one, or a built-in instrument.
    pub fn source(&mut self, path: &str) -> Option<String> {
        let analysis = self.host.analysis(Path::new(path));
        let file = analysis.file_id(Path::new(path))?;
        Some(analysis.source(file).text.clone())
    }

    /// `{"markdown", "at"}` or `null`.
    pub fn hover(&mut self, path: &str, offset: u32) -> String {
        self.at(path, offset, |a, file, units, at| {
            a.hover(file, at).map(|h| json!({ "markdown": h.markdown, "at": units.span(h.span) }))
        })
    }

    /// `{"path", "at"}` or `null`.
    pub fn definition(&mut self, path: &str, offset: u32) -> String {
        self.at(path, offset, |a, file, _, at| a.definition(file, at).map(|p| place(a, &p)))
    }

    /// `[{"path", "at"}]`, the declaration first.
    pub fn references(&mut self, path: &str, offset: u32) -> String {
        self.at(path, offset, |a, file, _, at| {
            a.references(file, at, true).map(|ps| Value::Array(ps.iter().map(|p| place(a, p)).collect()))
        })
    }

    /// `[{"label", "kind"}]`.
    pub fn completions(&mut self, path: &str, offset: u32) -> String {
        self.at(path, offset, |a, file, _, at| serde_json::to_value(a.completions(file, at)).ok())
    }

    /// `{"edits": [{"path", "at", "text"}]}`, or `{"error"}`.
    pub fn rename(&mut self, path: &str, offset: u32, new: &str) -> String {
        self.at(path, offset, |a, file, _, at| {
            Some(match a.rename(file, at, new) {
                Ok(Some(edits)) => json!({ "edits": edits.iter().map(|(p, e)| {
                    let mut v = place(a, &guidepath_ide::FileSpan { path: p.clone(), span: e.span });
                    if let Value::Object(m) = &mut v { m.insert("text".into(), json!(e.new_text)); }
                    v
                }).collect::<Vec<_>>() }),
                Ok(None) => json!({ "edits": [] }),
                Err(e) => json!({ "error": e.0 }),
            })
        })
    }

    /// `[[from, to, "kind"]]`, in order.
    pub fn tokens(&mut self, path: &str) -> String {
        self.whole(path, |a, file, units| {
            Value::Array(
                a.semantic_tokens(file)
                    .iter()
                    .map(|t| json!([units.to_utf16(t.span.start), units.to_utf16(t.span.end), t.kind.name()]))
                    .collect(),
            )
        })
    }

    /// `[{"at", "label"}]`.
    pub fn hints(&mut self, path: &str) -> String {
        self.whole(path, |a, file, units| {
            let end = a.source(file).text.len() as u32;
            Value::Array(
                a.inlay_hints(file, 0, end)
                    .into_iter()
                    .map(|h| json!({ "at": units.to_utf16(h.at), "label": h.label }))
                    .collect(),
            )
        })
    }

    /// The declarations, nested: `[{"name", "detail", "kind", "at", "children"}]`.
    pub fn outline(&mut self, path: &str) -> String {
        fn decl(d: &guidepath_ide::Decl, units: &Units) -> Value {
            json!({
                "name": d.name, "detail": d.detail, "kind": d.kind, "at": units.span(d.name_span),
                "children": d.children.iter().map(|c| decl(c, units)).collect::<Vec<_>>(),
            })
        }
        self.whole(path, |a, file, units| Value::Array(a.outline(file).iter().map(|d| decl(d, units)).collect()))
    }

    /// The file formatted, or `null` where it has syntax errors.
    pub fn format(&self, path: &str) -> Option<String> {
        guidepath_ide::format(self.host.text(Path::new(path))?)
    }

    /// The artifact of `path` as JSON, through the gate, as `guidepath
    /// compile` writes it; `{"error"}` where the gate refuses.
    pub fn compile(&mut self, path: &str) -> String {
        let fs = self.host.files();
        match gate::compile(&fs, Path::new(path), Policy::default()) {
            Ok(passed) => passed.lowered.artifact.to_json(),
            Err(_) => text(json!({ "error": "the gate refuses the file: its errors are in the problems list" })),
        }
    }

    /// What the patient panel asks for: the inputs of the compiled rules
    /// (`{"inputs": […], "findings": […], "language"}`), or `{"error"}`.
    pub fn inputs(&mut self, path: &str) -> String {
        let p = self::path(path);
        match self.compile_for(&p) {
            Ok(c) => {
                let art = c.evaluator.artifact();
                text(json!({
                    "inputs": art.inputs,
                    "findings": c.findings,
                    "language": art.guideline.language,
                }))
            }
            Err(e) => text(json!({ "error": e })),
        }
    }

    /// The result for a patient (JSON text, as `guidepath eval` reads it),
    /// with explanations, and the same for people in `lang`:
    /// `{"result", "human", "errors", "findings"}`.
    pub fn evaluate(&mut self, path: &str, patient: &str, lang: &str) -> String {
        let p = self::path(path);
        let c = match self.compile_for(&p) {
            Ok(c) => c,
            Err(e) => return text(json!({ "error": e })),
        };
        let ev = &c.evaluator;
        let patient: Value = match guidepath_ir::json::from_str(patient) {
            Ok((v, repeated)) if repeated.is_empty() => v,
            Ok((_, repeated)) => {
                return text(
                    json!({ "errors": repeated.iter().map(|r| json!({ "path": r, "message": "given more than once" })).collect::<Vec<_>>() }),
                )
            }
            Err(e) => return text(json!({ "errors": [{ "path": "", "message": e.to_string() }] })),
        };
        match ev.evaluate_json(&patient) {
            Ok(out) => {
                let lang = guidepath_words::Lang::parse(lang);
                let options = ReportOptions { explain: true, texts: true, lang: lang.map(|l| l.tag().to_string()) };
                let report = out.report_with(&options);
                let human = guidepath_eval::human::human(
                    ev.artifact(),
                    &serde_json::to_value(&report).unwrap_or(Value::Null),
                    lang.unwrap_or(guidepath_words::Lang::En),
                );
                // Written as serde writes them, members in the result's own
                // order (a `Value` would sort them), so `plain` is byte for
                // byte what `guidepath eval --format json` prints.
                let result = serde_json::to_string(&report).unwrap_or_default();
                let plain = serde_json::to_string(&out.report(false)).unwrap_or_default();
                format!(
                    r#"{{"result":{result},"plain":{plain},"human":{},"findings":{}}}"#,
                    json!(human),
                    json!(c.findings)
                )
            }
            Err(errors) => text(json!({
                "errors": errors.iter().map(|e| json!({ "path": e.path, "message": e.message })).collect::<Vec<_>>()
            })),
        }
    }

    /// The patient as a `test` block pinning what the rules give it now.
    pub fn patient_test(&mut self, path: &str, name: &str, patient: &str) -> Option<String> {
        let c = self.compile_for(&self::path(path)).ok()?;
        let patient: Value = serde_json::from_str(patient).ok()?;
        guidepath_analysis::coverage::test_for(&c.evaluator, name, &patient)
    }

    /// The file's inline tests run, as `guidepath test` runs them:
    /// `{"passed", "failed", "tests": [{"name", "ok", "failure"}]}` or `{"error"}`.
    pub fn run_tests(&mut self, path: &str) -> String {
        let fs = self.host.files();
        text(guidepath_ide::tests_to_json(&guidepath_ide::run_tests(&fs, Path::new(path), None)))
    }

    /// What the file's tests cover, as `guidepath test --coverage --format
    /// json` writes it, each goal with its place in UTF-16 (`at`, on its
    /// line) where it is in this file.
    pub fn coverage(&mut self, path: &str) -> String {
        use guidepath_report::coverage::{coverage_json, keyed, totals, GoalKey, Seen};
        let p = self::path(path);
        let fs = self.host.files();
        let lowered = match gate::compile(&fs, &p, Policy::default()) {
            Ok(passed) => passed.lowered,
            Err(_) => {
                return text(json!({ "error": "the gate refuses the file: its errors are in the problems list" }))
            }
        };
        let mut goals: std::collections::BTreeMap<GoalKey, Seen> = std::collections::BTreeMap::new();
        match guidepath_analysis::coverage::coverage(&lowered.artifact, &lowered.tests) {
            Ok(c) => {
                for g in c.goals {
                    let (key, seen) = keyed(&p, g);
                    goals.entry(key).or_default().merge(seen);
                }
            }
            Err(e) => return text(json!({ "error": e.to_string() })),
        }
        let (mut passed, mut failed) = (0, 0);
        if let Ok(ev) = Evaluator::new(lowered.artifact) {
            for case in &lowered.tests {
                match guidepath_analysis::inline_tests::run_case(&ev, case) {
                    Ok(()) => passed += 1,
                    Err(_) => failed += 1,
                }
            }
        }
        let totals = totals(goals.values());
        coverage_json(&goals, totals, (passed, failed))
    }

    /// The forum's report of every open file as one HTML page, as
    /// `guidepath report` writes it; `languages` is a comma-separated list
    /// of the languages every title must be in (empty: each guideline's
    /// own), `today` judges review dates.
    pub fn report(&mut self, languages: &str, today: i32) -> String {
        let required: Vec<String> =
            languages.split(',').map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
        let fs = self.host.files();
        let roots = self.host.open_files();
        let mut checked = guidepath_analysis::check_and_analyse(&fs, &roots);
        guidepath_check::lifecycle::overdue_reviews(&mut checked, i64::from(today));
        guidepath_report::gather(&checked, &fs, &required).html(i64::from(today))
    }
}

/// A place as `{"path", "at"}`, in the UTF-16 of its file.
fn place(a: &Analysis, p: &guidepath_ide::FileSpan) -> Value {
    let at = match a.file_id(&p.path) {
        Some(f) => Units::new(&a.source(f).text).span(p.span),
        None => Value::Null,
    };
    json!({ "path": p.path.display().to_string(), "at": at })
}

impl Studio {
    /// An answer at a UTF-16 offset of `path`: `null` where there is none.
    fn at(
        &mut self,
        path: &str,
        offset: u32,
        f: impl FnOnce(&Analysis, usize, &Units, u32) -> Option<Value>,
    ) -> String {
        let analysis = self.host.analysis(Path::new(path));
        let Some(file) = analysis.file_id(Path::new(path)) else { return "null".into() };
        let units = Units::new(&analysis.source(file).text);
        let at = units.to_byte(offset);
        text(f(&analysis, file, &units, at).unwrap_or(Value::Null))
    }

    /// An answer about the whole of `path`: `null` for a file not checked.
    fn whole(&mut self, path: &str, f: impl FnOnce(&Analysis, usize, &Units) -> Value) -> String {
        let analysis = self.host.analysis(Path::new(path));
        let Some(file) = analysis.file_id(Path::new(path)) else { return "null".into() };
        let units = Units::new(&analysis.source(file).text);
        text(f(&analysis, file, &units))
    }

    /// The file through the gate, cached until a text changes. A file
    /// whose only errors are the analysis's findings passes as the CLI's
    /// `--allow-findings` lets it, so a working group can try the witness
    /// patients of an overlap; its findings go with every answer and the
    /// page shows them. Checker errors refuse.
    fn compile_for(&mut self, path: &Path) -> Result<&Compiled, String> {
        let fresh = self.compiled.get(path).is_some_and(|(g, _)| *g == self.generation);
        if !fresh {
            let fs = self.host.files();
            let compiled = match gate::compile(&fs, path, Policy { allow_findings: true }) {
                Ok(passed) => {
                    let findings =
                        passed.lowered.artifact.findings.iter().map(|f| format!("{}: {}", f.code, f.message)).collect();
                    Evaluator::new(passed.lowered.artifact)
                        .map(|evaluator| Compiled { evaluator, findings })
                        .map_err(|e| e.to_string())
                }
                Err(refused) if refused.unreadable() => Err("a file it uses cannot be found".to_string()),
                Err(_) => Err("the file has errors: they are in the problems list".to_string()),
            };
            self.compiled.insert(path.to_path_buf(), (self.generation, compiled));
        }
        match self.compiled.get(path) {
            Some((_, Ok(c))) => Ok(c),
            Some((_, Err(e))) => Err(e.clone()),
            None => Err("not compiled".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets as JavaScript counts them: å is one unit and two bytes, 𝄞
    /// two units and four bytes; lines end at \n, \r\n or \r.
    #[test]
    fn utf16_offsets_round_trip_through_bytes() {
        let text = "ålder\r\nsmärta 𝄞 x\rslut";
        let units = Units::new(text);
        let js: Vec<u16> = text.encode_utf16().collect();
        for (byte, _) in text.char_indices().chain([(text.len(), ' ')]) {
            // Inside \r\n is no place a cursor can be.
            if text[..byte].ends_with('\r') && text[byte..].starts_with('\n') {
                continue;
            }
            let u = units.to_utf16(byte as u32);
            assert_eq!(u as usize, text[..byte].encode_utf16().count(), "byte {byte}");
            assert_eq!(units.to_byte(u), byte as u32, "unit {u}");
        }
        assert_eq!(units.to_utf16(text.len() as u32) as usize, js.len());
        // Past the end: the end.
        assert_eq!(units.to_byte(10_000), text.len() as u32);
    }

    /// A result is written with its members in the result's order, as
    /// `guidepath eval` prints it (a serde_json `Value` would sort them).
    #[test]
    fn a_result_keeps_the_order_of_its_members() {
        let mut s = Studio::new(20_000);
        let path = "/w/skane_mms.guide";
        s.set_file(path, include_str!("../../../guidelines/se/skane_mms.guide"));
        let out: Value = serde_json::from_str(&s.evaluate(path, r#"{"age": 16}"#, "sv")).unwrap();
        let text = s.evaluate(path, r#"{"age": 16}"#, "sv");
        let plain = text.split(r#""plain":"#).nth(1).unwrap();
        assert!(plain.starts_with(r#"{"schema":"#), "{plain}");
        assert!(out["human"].as_str().unwrap().contains("Rekommendationer"));
        assert!(out["findings"].as_array().unwrap().is_empty());
    }
}
