//! Results as CDS Hooks 2.0 cards (`docs/cds-hooks.md`).
//!
//! One card for each recommendation that applies, one for each decided
//! stratification, and, where data is missing, one that says which data
//! would decide what is still open. Every card's detail says why: the
//! conditions that decided it, with the data they read and where in the
//! FHIR data that came from. Summaries are the guideline's own titles, and
//! every word is in one language: the guideline's, or the one asked for
//! (`guidepath_words`).

use crate::read::{route, Reading};
use guidepath_ir::{Artifact, Direction};
use guidepath_words::{Lang, Words};
use serde_json::{json, Map, Value as J};
use std::fmt::Write as _;

/// CDS Hooks limits a summary to 140 characters.
pub const MAX_SUMMARY: usize = 140;

/// `{"cards": […]}` for an explained result (`explain: true`), in `lang`
/// (the result's titles are in it already) or else the guideline's
/// language.
pub fn cards(art: &Artifact, result: &J, reading: Option<&Reading>, lang: Option<&str>) -> J {
    let lang = Lang::or_english(lang.or(art.guideline.language.as_deref()));
    let words = lang.words();
    // Titles in the language only: an id rather than a title in another.
    let tag = lang.tag();
    let title = art.guideline.title.exact(tag).unwrap_or(&art.guideline.id);
    let mut source = Map::new();
    let label = match &art.guideline.version {
        Some(v) => format!("{title} ({v})"),
        None => title.to_string(),
    };
    source.insert("label".into(), J::String(label));
    if let Some(url) = art.guideline.sources.iter().find_map(|s| s.url.as_ref()) {
        source.insert("url".into(), J::String(url.clone()));
    }
    let source = J::Object(source);
    // Borrowed, not copied: the explanation is most of an explained result.
    let explanation: &[J] = result["explanation"].as_array().map_or(&[], Vec::as_slice);
    let rule = |id: &str, kind: &str| {
        explanation.iter().find(|e| e["rule"].as_str() == Some(id) && e["kind"].as_str() == Some(kind))
    };
    let mut out = Vec::new();

    for s in result["strata"].as_array().into_iter().flatten() {
        let (Some(id), Some(name)) = (s["id"].as_str(), s["stratum"].as_str()) else { continue };
        if s["state"] != "decided" {
            continue;
        }
        let node = art.nodes.iter().find(|n| n.id == id);
        let head = node.and_then(|n| n.title.exact(tag)).unwrap_or(id);
        let stratum = node
            .and_then(|n| match &n.kind {
                guidepath_ir::NodeKind::Stratify { strata, .. } => strata.iter().find(|x| x.name == name),
                _ => None,
            })
            .and_then(|x| x.title.exact(tag))
            .unwrap_or(name);
        let mut detail = String::new();
        if let Some(e) = rule(id, "stratification") {
            let chosen = e["strata"].as_array().into_iter().flatten().find(|x| x["stratum"].as_str() == Some(name));
            if let Some(c) = chosen {
                why(&mut detail, words, &c["conditions"], reading);
            }
        }
        let stratum_source = art.nodes.iter().find(|n| n.id == id).and_then(|n| match &n.kind {
            guidepath_ir::NodeKind::Stratify { strata, .. } => strata.iter().find(|x| x.name == name),
            _ => None,
        });
        if let Some(st) = stratum_source {
            cite(&mut detail, words, tag, &st.provenance);
        }
        // The scores of the instrument or guideline the stratification is in.
        let prefix = id.rsplit_once('.').map(|(p, _)| format!("{p}."));
        let scores: Vec<String> = result["scores"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|sc| sc["state"] == "decided")
            .filter(|sc| match (&prefix, sc["id"].as_str()) {
                (Some(p), Some(sid)) => sid.starts_with(p.as_str()),
                (None, Some(sid)) => !sid.contains('.'),
                _ => false,
            })
            .map(|sc| {
                let sid = sc["id"].as_str().unwrap_or("");
                let t = art.nodes.iter().find(|n| n.id == sid).and_then(|n| n.title.exact(tag)).unwrap_or(sid);
                format!("{t} = {}", sc["value"])
            })
            .collect();
        if !scores.is_empty() {
            let _ = writeln!(detail, "\n{}: {}", words.scores, scores.join("; "));
        }
        out.push(card(&format!("{head}: {stratum}"), "info", &detail, &source));
    }

    let mut open: Vec<(String, Vec<String>)> = Vec::new();
    for r in result["recommendations"].as_array().into_iter().flatten() {
        let Some(id) = r["id"].as_str() else { continue };
        let rec = art.recommendations.iter().find(|x| x.id == id);
        let title = rec.and_then(|x| x.title.exact(tag)).unwrap_or(id);
        if r["state"] == "undecided" {
            let needs: Vec<String> =
                r["needs"].as_array().into_iter().flatten().filter_map(J::as_str).map(str::to_string).collect();
            open.push((title.to_string(), needs));
            continue;
        }
        if r["applies"] != true {
            continue;
        }
        let against = art.recommendations.iter().any(|x| x.id == id && x.direction == Direction::Against);
        let mut detail = String::new();
        let _ = writeln!(detail, "**{}**", if against { words.against } else { words.for_ });
        let level = rec.and_then(|x| x.level.exact(tag));
        for (k, v) in [("level", level), ("strength", r["strength"].as_str()), ("certainty", r["certainty"].as_str())] {
            if let Some(v) = v {
                let _ = writeln!(detail, "{}: {v}  ", field_label(words, k));
            }
        }
        if let Some(e) = rule(id, "recommendation") {
            why(&mut detail, words, &e["conditions"], reading);
        }
        if let Some(t) = rec.filter(|_| r.get("rationale").is_some()).and_then(|x| x.rationale.exact(tag)) {
            let _ = writeln!(detail, "\n{t}");
        }
        // The sentence it comes from, from the hashed artifact.
        if let Some(rec) = art.recommendations.iter().find(|x| x.id == id) {
            cite(&mut detail, words, tag, &rec.provenance);
        }
        out.push(card(title, if against { "warning" } else { "info" }, &detail, &source));
    }

    if !open.is_empty() {
        let mut detail = String::new();
        let mut fields: Vec<&str> = Vec::new();
        for (title, needs) in &open {
            let _ = writeln!(
                detail,
                "- {title}: {}",
                needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            );
            for n in needs {
                if !fields.contains(&n.as_str()) {
                    fields.push(n);
                }
            }
        }
        let _ = writeln!(detail, "\n{}:", words.missing_data);
        for f in fields {
            if let Some(input) = art.inputs.iter().find(|i| i.path == f) {
                let _ = writeln!(detail, "- `{f}`: {}", route(input, words));
            }
        }
        let summary = words.undecided_count(open.len());
        out.push(card(&summary, "info", &detail, &source));
    }
    if !art.findings.is_empty() {
        let codes: Vec<&str> = art.findings.iter().map(|f| f.code.as_str()).collect();
        let warning = words.findings.replace("{codes}", &codes.join(", "));
        for c in &mut out {
            let detail = c["detail"].as_str().unwrap_or("");
            c["detail"] = J::String(format!("**{warning}**\n\n{detail}"));
            if c["indicator"] == "info" {
                c["indicator"] = J::String("warning".into());
            }
        }
    }
    json!({ "cards": out })
}

fn card(summary: &str, indicator: &str, detail: &str, source: &J) -> J {
    json!({
        "summary": truncate(summary, MAX_SUMMARY),
        "indicator": indicator,
        "detail": detail.trim(),
        "source": source,
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// The conditions, each with its value and the data it read (and where in
/// the FHIR data that came from).
fn why(out: &mut String, words: &Words, conditions: &J, reading: Option<&Reading>) {
    let _ = writeln!(out, "\n{}:", words.why);
    for c in conditions.as_array().into_iter().flatten() {
        let text = c["text"].as_str().unwrap_or("");
        let value = match &c["value"] {
            J::Bool(true) => words.yes,
            J::Bool(false) => words.no,
            _ => words.unknown,
        };
        let data: Vec<String> = c["data"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| match reading.and_then(|r| r.sources.get(k)) {
                Some(src) => format!("{k} = {v} ({src})"),
                None => format!("{k} = {v}"),
            })
            .collect();
        if data.is_empty() {
            let _ = writeln!(out, "- `{text}`: {value}");
        } else {
            let _ = writeln!(out, "- `{text}`: {value}. {}", data.join("; "));
        }
    }
}

/// The sentences of the source a rule quotes, as block quotes with where
/// they stand, and what it assumes, said as such.
/// Quoted and assumed text keeps its words; where it is in another
/// language than the card's, a tag says which (`[en]`).
fn cite(detail: &mut String, words: &Words, tag: &str, p: &guidepath_ir::Provenance) {
    let other = |lang: &Option<String>| match lang.as_deref() {
        Some(l) if l != tag => format!(" [{l}]"),
        _ => String::new(),
    };
    if !p.quotes.is_empty() {
        let _ = writeln!(detail, "\n{}:", words.source);
        for q in &p.quotes {
            let _ = writeln!(detail, "\n> {}{}", q.text, other(&q.lang));
            if let Some(at) = &q.at {
                let _ = writeln!(detail, ">\n> — {at}");
            }
        }
    }
    for a in &p.assumptions {
        let _ = writeln!(detail, "\n{}{}: {}", words.assumed, other(&a.lang), a.text);
    }
}

/// A card's label for a recommendation's level, strength or certainty.
fn field_label(words: &Words, key: &str) -> &'static str {
    match key {
        "level" => words.level,
        "strength" => words.strength,
        _ => words.certainty,
    }
}
