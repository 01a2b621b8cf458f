//! A result for people: every word in one language (`guidepath_words`),
//! titles in that language with the id beside them, a recommendation
//! against worded as what not to do, an undecided item with the data that
//! would decide it, and the explanation as a tree.
//!
//! Rendered from the result's JSON (the documented contract, as every
//! other output is) and the artifact, which holds each title in every
//! language it was written in: a title missing in the chosen language is
//! left out, and the id stands alone, rather than text in another language.

use guidepath_ir::{Artifact, Direction, Text};
use guidepath_words::{Lang, Words};
use serde_json::Value as J;
use std::fmt::Write as _;

/// The result `json` of `art`'s rules, for people, in `lang`.
pub fn human(art: &Artifact, json: &J, lang: Lang) -> String {
    Human { art, w: lang.words(), tag: lang.tag(), out: String::new() }.render(json)
}

struct Human<'a> {
    art: &'a Artifact,
    w: &'static Words,
    tag: &'static str,
    out: String,
}

fn s(v: &J) -> &str {
    v.as_str().unwrap_or("")
}

/// A JSON value as people read it: strings without quotes, lists with
/// commas.
fn plain(v: &J) -> String {
    match v {
        J::String(t) => t.clone(),
        J::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(", "),
        J::Null => "—".into(),
        other => other.to_string(),
    }
}

impl Human<'_> {
    /// `Title (id)` where the title is in the language, else `id`.
    fn named(&self, title: &Text, id: &str) -> String {
        match title.exact(self.tag) {
            Some(t) => format!("{t} ({id})"),
            None => id.to_string(),
        }
    }

    fn text<'t>(&self, t: &'t Text) -> Option<&'t str> {
        t.exact(self.tag)
    }

    /// A field by its label in the language, with its path.
    fn field(&self, path: &str) -> String {
        match self.art.inputs.iter().find(|i| i.path == path) {
            Some(i) => self.named(&i.description, path),
            None => path.to_string(),
        }
    }

    /// `would be decided by: …`, `not met: …`, `cannot be decided: …`,
    /// from an item's `needs`, `because` and `reasons`: each on a line of
    /// its own under the item.
    fn why(&self, item: &J) -> Vec<String> {
        let mut parts = Vec::new();
        let needs: Vec<String> = item["needs"].as_array().into_iter().flatten().map(|n| self.field(s(n))).collect();
        if !needs.is_empty() {
            parts.push(format!("{}: {}", self.w.decided_by, needs.join(", ")));
        }
        for r in item["reasons"].as_array().into_iter().flatten() {
            let data: Vec<String> =
                r["data"].as_object().into_iter().flatten().map(|(k, v)| format!("{k} = {}", plain(v))).collect();
            let data = if data.is_empty() { String::new() } else { format!(" ({})", data.join(", ")) };
            parts.push(format!("{}: `{}`{data}", self.w.cannot_decide, one_line(s(&r["condition"]))));
        }
        let because: Vec<String> = item["because"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["condition"].as_str().map(|t| format!("`{}`", one_line(t))))
            .collect();
        if !because.is_empty() {
            parts.push(format!("{}: {}", self.w.not_met, because.join(", ")));
        }
        parts
    }

    /// The mark and the words of an item's state, and why.
    fn state(&self, item: &J) -> (&'static str, &'static str, Vec<String>) {
        match (item["state"].as_str(), &item["applies"]) {
            (Some("decided"), J::Bool(true)) => ("+", self.w.applies, Vec::new()),
            (Some("decided"), _) => ("-", self.w.does_not_apply, self.why(item)),
            (Some("not_applicable"), _) => ("-", self.w.not_applicable, self.why(item)),
            _ => ("?", self.w.undecided, self.why(item)),
        }
    }

    /// The result's list `key` under its heading; nothing for an empty one.
    fn section<'j>(&mut self, json: &'j J, key: &str, heading: &str) -> Option<&'j Vec<J>> {
        let items = json[key].as_array().filter(|a| !a.is_empty())?;
        let _ = write!(self.out, "\n{heading}\n");
        Some(items)
    }

    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.out, "{:indent$}{text}", "");
    }

    fn lines(&mut self, indent: usize, lines: &[String]) {
        for l in lines {
            self.line(indent, l);
        }
    }

    fn render(mut self, json: &J) -> String {
        let g = &self.art.guideline;
        let mut head = self.text(&g.title).map_or_else(|| g.id.clone(), |t| format!("{t} · {}", g.id));
        if let Some(v) = &g.version {
            head.push_str(&format!(" {v}"));
        }
        self.line(0, &head);
        self.strata(json);
        self.scores(json);
        self.recommendations(json);
        self.pathways(json);
        self.explanation(json);
        self.out
    }

    fn strata(&mut self, json: &J) {
        let Some(strata) = self.section(json, "strata", self.w.strata) else { return };
        for st in strata {
            let id = s(&st["id"]);
            let node = self.art.nodes.iter().find(|n| n.id == id);
            let name = node.map_or_else(|| id.to_string(), |n| self.named(&n.title, id));
            let (value, why) = match st["state"].as_str() {
                Some("decided") => {
                    let chosen = s(&st["stratum"]);
                    let title = node.and_then(|n| match &n.kind {
                        guidepath_ir::NodeKind::Stratify { strata, .. } => strata.iter().find(|x| x.name == chosen),
                        _ => None,
                    });
                    (title.map_or_else(|| chosen.to_string(), |x| self.named(&x.title, chosen)), Vec::new())
                }
                Some("not_applicable") => (self.w.not_applicable.to_string(), self.why(st)),
                _ => (self.w.undecided.to_string(), self.why(st)),
            };
            self.line(2, &format!("{name}: {value}"));
            self.lines(6, &why);
        }
    }

    fn scores(&mut self, json: &J) {
        let Some(scores) = self.section(json, "scores", self.w.scores) else { return };
        for sc in scores {
            let id = s(&sc["id"]);
            let name =
                self.art.nodes.iter().find(|n| n.id == id).map_or_else(|| id.to_string(), |n| self.named(&n.title, id));
            let (value, why) = match sc["state"].as_str() {
                Some("decided") => (plain(&sc["value"]), Vec::new()),
                _ => (format!("{}..{}, {}", plain(&sc["min"]), plain(&sc["max"]), self.w.undecided), self.why(sc)),
            };
            self.line(2, &format!("{name}: {value}"));
            self.lines(6, &why);
        }
    }

    fn recommendations(&mut self, json: &J) {
        let Some(recs) = self.section(json, "recommendations", self.w.recommendations) else { return };
        for r in recs {
            let id = s(&r["id"]);
            let art = self.art;
            let rec = art.recommendations.iter().find(|x| x.id == id);
            let name = rec.map_or_else(|| id.to_string(), |x| self.named(&x.title, id));
            let against = rec.is_some_and(|x| x.direction == Direction::Against);
            let (mark, state, why) = self.state(r);
            // What must not be done is said as such, never with a plus.
            let line = if against && mark == "+" {
                format!("! {}: {name}", self.w.do_not_offer)
            } else if against {
                format!("{mark} {}: {name}: {state}", self.w.do_not_offer)
            } else {
                format!("{mark} {name}: {state}")
            };
            self.line(2, &line);
            self.lines(6, &why);
            // Who acts, and with --texts why: in the language, or not at all.
            if let Some(rec) = rec {
                if let Some(t) = self.text(&rec.level).filter(|_| !r["level"].is_null()) {
                    self.line(6, &format!("{}: {t}", self.w.level));
                }
                if let Some(t) = self.text(&rec.rationale).filter(|_| r.get("rationale").is_some()) {
                    self.line(6, t);
                }
            }
        }
    }

    fn pathways(&mut self, json: &J) {
        let Some(pathways) = self.section(json, "pathways", self.w.pathways) else { return };
        for p in pathways {
            let id = s(&p["id"]);
            let art = self.art;
            let pw = art.pathways.iter().find(|x| x.id == id);
            let name = pw.map_or_else(|| id.to_string(), |x| self.named(&x.title, id));
            let (mark, state, why) = self.state(p);
            self.line(2, &format!("{mark} {name}: {state}"));
            self.lines(6, &why);
            for st in p["steps"].as_array().into_iter().flatten() {
                let sid = s(&st["id"]);
                let step = pw.and_then(|x| x.steps.iter().find(|y| y.id == sid));
                let name = step.map_or_else(|| sid.to_string(), |y| self.named(&y.title, sid));
                let (mark, state, mut why) = self.state(st);
                let (deadline, due_why) = self.deadline(st);
                why.extend(due_why);
                self.line(4, &format!("{mark} {name}: {state}{deadline}"));
                self.lines(8, &why);
                if let Some(step) = step {
                    for (key, text) in [("responsible", &step.responsible), ("if_missed", &step.if_missed)] {
                        if st.get(key).is_some() {
                            if let Some(t) = self.text(text) {
                                self.line(8, t);
                            }
                        }
                    }
                }
            }
        }
    }

    /// `, by 2024-02-29`, or why there is no date yet.
    fn deadline(&self, st: &J) -> (String, Vec<String>) {
        let Some(d) = st.get("deadline").filter(|d| d.is_object()) else { return (String::new(), Vec::new()) };
        match d["state"].as_str() {
            Some("decided") => (format!(", {} {}", self.w.due, s(&d["due"])), Vec::new()),
            // A step that does not apply has no deadline: said once.
            Some("not_applicable") if st["state"] == "not_applicable" => (String::new(), Vec::new()),
            Some("not_applicable") => (format!(", {}", self.w.no_deadline), self.why(d)),
            _ if st["state"] == "undecided" && d["needs"] == st["needs"] => (String::new(), Vec::new()),
            _ => (format!(", {}", self.w.due_unknown), self.why(d)),
        }
    }

    fn explanation(&mut self, json: &J) {
        let Some(rules) = json["explanation"].as_array() else { return };
        let _ = write!(self.out, "\n{}\n", self.w.explanation);
        for r in rules {
            let value = match &r["value"] {
                J::Bool(b) => self.w.value(Some(*b)).to_string(),
                J::String(u) if u == "unknown" && r["kind"] != "stratification" => self.w.unknown.to_string(),
                J::Null => self.w.unknown.to_string(),
                v => plain(v),
            };
            let head = format!("{} {}: {value}   ({})", self.w.kind(s(&r["kind"])), s(&r["rule"]), s(&r["at"]));
            self.line(2, &head);
            let mut conds: Vec<&J> = r["conditions"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
            for st in r["strata"].as_array().into_iter().flatten() {
                conds.extend(st["conditions"].as_array().into_iter().flatten());
            }
            // The chosen stratum's source, else the rule's own.
            let chosen = r["strata"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|st| st["stratum"] == r["value"] && st.get("source").is_some());
            let source = chosen.map_or(&r["source"], |st| &st["source"]);
            let mut notes = Vec::new();
            // Quoted and assumed text stays in the language it was written
            // in; a tag says which, where it is not the output's.
            let tag = |v: &J| match v["lang"].as_str() {
                Some(l) if l != self.tag => format!(" [{l}]"),
                _ => String::new(),
            };
            for q in source["quotes"].as_array().into_iter().flatten() {
                let at = q["at"].as_str().map(|a| format!(" ({a})")).unwrap_or_default();
                notes.push(format!("{}{}: \"{}\"{at}", self.w.source, tag(q), s(&q["text"])));
            }
            for a in source["assumptions"].as_array().into_iter().flatten() {
                notes.push(format!("{}{}: {}", self.w.assumed, tag(a), s(&a["text"])));
            }
            let n = conds.len();
            for (k, c) in conds.into_iter().enumerate() {
                let last = k + 1 == n;
                let (branch, under) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
                let data: Vec<String> =
                    c["data"].as_object().into_iter().flatten().map(|(k, v)| format!("{k} = {}", plain(v))).collect();
                let value = match &c["value"] {
                    J::Bool(b) => self.w.value(Some(*b)),
                    _ => self.w.value(None),
                };
                // A condition written over several lines keeps its lines,
                // each under the branch it belongs to.
                let text = s(&c["text"]);
                let mut lines = text.lines().map(str::trim);
                let first = lines.next().unwrap_or("");
                let rest: Vec<&str> = lines.collect();
                let tail = format!(
                    ": {value}{}   ({})",
                    if data.is_empty() { String::new() } else { format!("   {}", data.join(", ")) },
                    s(&c["at"])
                );
                if rest.is_empty() {
                    self.line(4, &format!("{branch}{first}{tail}"));
                } else {
                    self.line(4, &format!("{branch}{first}"));
                    let m = rest.len();
                    for (j, l) in rest.iter().enumerate() {
                        let end = if j + 1 == m { tail.as_str() } else { "" };
                        self.line(4, &format!("{under}  {l}{end}"));
                    }
                }
            }
            for note in notes {
                self.line(7, &note);
            }
        }
    }
}

/// A condition's text on one line, for a sentence.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
