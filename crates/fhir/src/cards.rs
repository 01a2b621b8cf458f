//! Results as CDS Hooks 2.0 cards (`docs/cds-hooks.md`).
//!
//! One card for each recommendation that applies, one for each decided
//! stratification, and, where data is missing, one that says which data
//! would decide what is still open. Every card's detail says why: the
//! conditions that decided it, with the data they read and where in the
//! FHIR data that came from. Summaries are the guideline's own titles, in
//! its language.

use crate::read::{route, Reading};
use guidepath_ir::{Artifact, Direction};
use serde_json::{json, Map, Value as J};
use std::fmt::Write as _;

/// CDS Hooks limits a summary to 140 characters.
pub const MAX_SUMMARY: usize = 140;

/// `{"cards": […]}` for an explained result (`explain: true`).
pub fn cards(art: &Artifact, result: &J, reading: Option<&Reading>) -> J {
    let lang = art.guideline.language.as_deref();
    let words = Words::of(lang);
    let title = art.guideline.title.get(lang, None).unwrap_or(&art.guideline.id);
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
        let head = s["title"].as_str().unwrap_or(id);
        let stratum = s["stratum_title"].as_str().unwrap_or(name);
        let mut detail = String::new();
        if let Some(e) = rule(id, "stratification") {
            let chosen = e["strata"].as_array().into_iter().flatten().find(|x| x["stratum"].as_str() == Some(name));
            if let Some(c) = chosen {
                why(&mut detail, &words, &c["conditions"], reading);
            }
        }
        let stratum_source = art.nodes.iter().find(|n| n.id == id).and_then(|n| match &n.kind {
            guidepath_ir::NodeKind::Stratify { strata, .. } => strata.iter().find(|x| x.name == name),
            _ => None,
        });
        if let Some(st) = stratum_source {
            cite(&mut detail, &words, &st.provenance);
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
            .map(|sc| format!("{} = {}", sc["title"].as_str().or(sc["id"].as_str()).unwrap_or(""), sc["value"]))
            .collect();
        if !scores.is_empty() {
            let _ = writeln!(detail, "\n{}: {}", words.scores, scores.join("; "));
        }
        out.push(card(&format!("{head}: {stratum}"), "info", &detail, &source));
    }

    let mut open: Vec<(String, Vec<String>)> = Vec::new();
    for r in result["recommendations"].as_array().into_iter().flatten() {
        let Some(id) = r["id"].as_str() else { continue };
        let title = r["title"].as_str().unwrap_or(id);
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
        for (k, v) in [("level", &r["level"]), ("strength", &r["strength"]), ("certainty", &r["certainty"])] {
            if let Some(v) = v.as_str() {
                let _ = writeln!(detail, "{}: {v}  ", words.label(k));
            }
        }
        if let Some(e) = rule(id, "recommendation") {
            why(&mut detail, &words, &e["conditions"], reading);
        }
        if let Some(t) = r["rationale"].as_str() {
            let _ = writeln!(detail, "\n{t}");
        }
        // The sentence it comes from, from the hashed artifact.
        if let Some(rec) = art.recommendations.iter().find(|x| x.id == id) {
            cite(&mut detail, &words, &rec.provenance);
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
        let _ = writeln!(detail, "\n{}:", words.where_);
        for f in fields {
            if let Some(input) = art.inputs.iter().find(|i| i.path == f) {
                let _ = writeln!(detail, "- `{f}`: {}", route(input));
            }
        }
        let summary = words.undecided.replace("{n}", &open.len().to_string());
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

/// The fixed words of cards, in the guideline's language where we have
/// them (Danish, Swedish, Norwegian), else in English.
/// The sentences of the source a rule quotes, as block quotes with where
/// they stand, and what it assumes, said as such.
fn cite(detail: &mut String, words: &Words, p: &guidepath_ir::Provenance) {
    if !p.quotes.is_empty() {
        let _ = writeln!(detail, "\n{}:", words.source);
        for q in &p.quotes {
            let _ = writeln!(detail, "\n> {}", q.text);
            if let Some(at) = &q.at {
                let _ = writeln!(detail, ">\n> — {at}");
            }
        }
    }
    for a in &p.assumptions {
        let _ = writeln!(detail, "\n{}: {}", words.assumed, a.text);
    }
}

struct Words {
    for_: &'static str,
    against: &'static str,
    why: &'static str,
    where_: &'static str,
    scores: &'static str,
    undecided: &'static str,
    yes: &'static str,
    no: &'static str,
    unknown: &'static str,
    level: &'static str,
    strength: &'static str,
    certainty: &'static str,
    /// Heads the sentences of the source a rule quotes.
    source: &'static str,
    /// Heads what a rule assumes where no source speaks.
    assumed: &'static str,
    /// Every card of a guideline built with analysis errors starts with
    /// this (`{codes}`: their codes).
    findings: &'static str,
}

impl Words {
    fn of(lang: Option<&str>) -> Words {
        match lang {
            Some("da") => Words {
                for_: "Anbefales",
                against: "Anbefales ikke",
                why: "Fordi",
                where_: "Oplysninger, der mangler",
                scores: "Scorer",
                undecided: "Flere oplysninger kan afgøre {n} anbefaling(er)",
                yes: "ja",
                no: "nej",
                unknown: "ukendt",
                level: "Niveau",
                strength: "Styrke",
                certainty: "Evidensens kvalitet",
                source: "Kilde",
                assumed: "Antagelse (ikke fra kilden)",
                findings: "Advarsel: retningslinjen er bygget med analysefejl ({codes}); resultatet kan modsige sig selv. Ikke til brug for patienter.",
            },
            Some("sv") => Words {
                for_: "Rekommenderas",
                against: "Rekommenderas inte",
                why: "Eftersom",
                where_: "Uppgifter som saknas",
                scores: "Poäng",
                undecided: "Fler uppgifter kan avgöra {n} rekommendation(er)",
                yes: "ja",
                no: "nej",
                unknown: "okänt",
                level: "Vårdnivå",
                strength: "Styrka",
                certainty: "Evidensstyrka",
                source: "Källa",
                assumed: "Antagande (inte från källan)",
                findings: "Varning: riktlinjen är byggd med analysfel ({codes}); resultatet kan motsäga sig självt. Inte för användning för patienter.",
            },
            Some("nb" | "nn" | "no") => Words {
                for_: "Anbefales",
                against: "Anbefales ikke",
                why: "Fordi",
                where_: "Opplysninger som mangler",
                scores: "Poeng",
                undecided: "Flere opplysninger kan avgjøre {n} anbefaling(er)",
                yes: "ja",
                no: "nei",
                unknown: "ukjent",
                level: "Nivå",
                strength: "Styrke",
                certainty: "Kunnskapsgrunnlag",
                source: "Kilde",
                assumed: "Antakelse (ikke fra kilden)",
                findings: "Advarsel: retningslinjen er bygget med analysefeil ({codes}); resultatet kan motsi seg selv. Ikke til bruk for pasienter.",
            },
            _ => Words {
                for_: "Recommended",
                against: "Recommended against",
                why: "Because",
                where_: "Missing data",
                scores: "Scores",
                undecided: "More data would decide {n} recommendation(s)",
                yes: "yes",
                no: "no",
                unknown: "unknown",
                level: "Level",
                strength: "Strength",
                certainty: "Certainty",
                source: "Source",
                assumed: "Assumption (not from the source)",
                findings: "Warning: this guideline was built with analysis errors ({codes}); its results may contradict themselves. Not for use with patients.",
            },
        }
    }

    fn label(&self, key: &str) -> &'static str {
        match key {
            "level" => self.level,
            "strength" => self.strength,
            _ => self.certainty,
        }
    }
}
