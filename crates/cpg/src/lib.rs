//! Compiled guidepath rules as an HL7 FHIR Clinical Practice Guidelines
//! (CPG-on-FHIR 2.0) package: a Library with executable ELM and readable
//! CQL, a PlanDefinition per recommendation and per pathway, an
//! ActivityDefinition per action, a Questionnaire per instrument, test
//! bundles, and a `package.json`.
//!
//! ```
//! # let artifact = guidepath_ir::Artifact::from_json(include_str!("../../eval/tests/data/mini.json"))?;
//! let library = guidepath_cpg::library(&artifact)?;
//! assert_eq!(library.elm["library"]["schemaIdentifier"]["id"], "urn:hl7-org:elm");
//! assert!(library.cql.starts_with("library "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The ELM has the evaluator's meaning or is not written: a construct ELM
//! cannot say exactly is refused, naming it and its place
//! ([`CpgError::Unsupported`]). The mapping, construct by construct, is
//! `docs/cpg.md`; `tests/cpg/` holds the ELM to the evaluator in
//! cql-execution. Like `guidepath-sql`, this crate needs no compiler: it
//! depends on `guidepath-ir`, and on `guidepath-fhir` for the FHIR
//! binding its test bundles are written in.

mod cql;
mod elm;
mod library;
mod lower;
mod package;
mod read;

pub use library::{Output, OutputKind, AT};
pub use package::{package, Options, Package, TestBundle};

use guidepath_ir::Artifact;
use serde_json::{json, Value as J};

/// The version of the ELM library's contract (`docs/cpg.md`): its
/// parameter and the names and types of its results.
pub const CPG_CONTRACT: &str = "1.0";

/// Why no package was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpgError {
    /// Something ELM cannot say with the evaluator's meaning.
    #[error("{construct} cannot be written as ELM with the evaluator's meaning, in {at}")]
    Unsupported { construct: String, at: String },
    #[error("the rules nest too deeply to write as ELM")]
    TooDeep,
    #[error("invalid artifact: {0}")]
    Invalid(String),
}

/// The library of one guideline: its ELM (JSON), its CQL, and its results.
#[derive(Debug, Clone)]
pub struct Library {
    /// The library's name: the guideline's id as a CQL identifier.
    pub name: String,
    pub version: String,
    pub elm: J,
    pub cql: String,
    pub outputs: Vec<Output>,
}

/// The library's name for a guideline id: letters and digits, words
/// joined in CamelCase (`se.skane_mms` is `SeSkaneMms`).
pub fn library_name(id: &str) -> String {
    let mut out = String::new();
    for word in id.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut cs = word.chars();
        if let Some(c) = cs.next() {
            out.push(c.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Guideline");
    }
    out
}

/// The id of the PlanDefinition (and ActivityDefinition) of a
/// recommendation or pathway: `SeSkaneMms-mms-referral`.
pub fn definition_id(guideline: &str, rule: &str) -> String {
    fhir_id(&format!("{}-{}", library_name(guideline), rule.replace(['.', '_'], "-")))
}

/// A FHIR id: letters, digits, `-` and `.`, at most 64 of them; a longer
/// one keeps its first 55 and a hash of the whole, so ids stay distinct.
pub(crate) fn fhir_id(s: &str) -> String {
    let clean: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    if clean.len() <= 64 {
        return clean;
    }
    // FNV-1a: stable across runs and platforms.
    let h = clean.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{}-{:08x}", &clean[..55], h as u32)
}

/// The ELM library of `art`, and its CQL.
pub fn library(art: &Artifact) -> Result<Library, CpgError> {
    art.validate().map_err(|e| CpgError::Invalid(e.to_string()))?;
    let built = library::build(art)?;
    let name = library_name(&art.guideline.id);
    let version = art.guideline.version.clone().unwrap_or_else(|| "0.0.0".into());
    let statements: Vec<J> = built
        .defs
        .iter()
        .map(|(n, e)| json!({"name": n, "context": "Patient", "accessLevel": "Public", "expression": e}))
        .chain(built.functions.iter().cloned())
        .collect();
    let elm = json!({
        "library": {
            "identifier": {"id": name, "version": version},
            "schemaIdentifier": {"id": "urn:hl7-org:elm", "version": "r1"},
            "usings": {"def": [
                {"localIdentifier": "System", "uri": elm::SYSTEM},
                {"localIdentifier": "FHIR", "uri": elm::FHIR, "version": "4.0.1"},
            ]},
            "parameters": {"def": [{
                "name": AT,
                "accessLevel": "Public",
                "default": {"type": "Today"},
                "parameterTypeSpecifier": elm::named_type("Date"),
            }]},
            "contexts": {"def": [{"name": "Patient"}]},
            "statements": {"def": statements},
        }
    });
    let cql = cql::text(&name, &version, &built);
    Ok(Library { name, version, elm, cql, outputs: built.outputs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cql_identifiers_and_ids_fhir_ids() {
        assert_eq!(library_name("se.skane.mms"), "SeSkaneMms");
        assert_eq!(library_name("2026.x"), "Guideline2026X");
        assert_eq!(definition_id("se.skane.mms", "mms_referral"), "SeSkaneMms-mms-referral");
        let long = "x".repeat(80);
        let id = fhir_id(&long);
        assert_eq!(id.len(), 64);
        assert_ne!(id, fhir_id(&format!("{long}y")), "a hash keeps long ids apart");
        assert_eq!(fhir_id("a b/c"), "a-b-c");
    }
}
