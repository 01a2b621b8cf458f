//! FHIR R4 and CDS Hooks for compiled guidepath rules.
//!
//! - [`read`]: a Bundle (or one resource) to the patient data the evaluator
//!   reads, by the codes and bindings the guideline declares;
//! - [`results`]: a result as FHIR: Observations for coded scores and
//!   strata, a GuidanceResponse for the recommendations;
//! - [`cards`]: a result as CDS Hooks 2.0 cards;
//! - [`write`]: patient data as a Bundle, each field where [`read`] reads it.
//!
//! Like `guidepath-eval`, this crate depends on `guidepath-ir` only: a
//! record system embeds it without the compiler. It reads and writes JSON
//! (`serde_json::Value`) and works from the documented result format, so
//! it needs no evaluator either.

pub mod cards;
pub mod read;
pub mod results;
pub mod write;

pub use cards::cards;
pub use read::{read, read_for, route, FhirError, Reading, Resources};
