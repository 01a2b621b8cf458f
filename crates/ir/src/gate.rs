//! Whether an artifact may decide for patients.
//!
//! The consistency analysis proves strata exclusive and exhaustive,
//! recommendations free of contradictions and time limits keepable. Its
//! errors stop every path to a patient: a guideline that has them is not
//! compiled, evaluated, tested, served or turned into SQL
//! (`guidepath_analysis::gate` decides that for source). An author who must
//! run a draft anyway says so explicitly; the artifact then carries the
//! findings it was built with ([`Artifact::findings`], hashed with the
//! rules), and [`admit`] is the one place that decides whether such an
//! artifact is taken: every reader of artifacts asks it.

use crate::artifact::Artifact;
use serde::{Deserialize, Serialize};

/// An error of the consistency analysis that an artifact was built with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The diagnostic code (`E0901`).
    pub code: String,
    /// What was found, as the checker says it.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// What the operator allows past the gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Take a guideline that has analysis errors (a draft being worked
    /// on). Never the default.
    pub allow_findings: bool,
}

/// An artifact the gate does not let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub findings: Vec<Finding>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.findings.len();
        write!(f, "the guideline was built with {n} analysis error{}", if n == 1 { "" } else { "s" })?;
        for finding in &self.findings {
            write!(f, "; {finding}")?;
        }
        write!(f, " (take it only with --allow-findings)")
    }
}

impl std::error::Error for Refused {}

/// Records the findings a guideline is let through with: the artifact
/// then names schema 2.2 (or later), which defines them, and is sealed again.
pub fn record(artifact: &mut Artifact, findings: Vec<Finding>) {
    if findings.is_empty() {
        return;
    }
    artifact.findings = findings;
    artifact.schema = artifact.written_schema_version();
    artifact.seal();
}

/// Whether `artifact` may decide for patients under `policy`: an artifact
/// built with findings only when the policy allows them.
pub fn admit(artifact: &Artifact, policy: Policy) -> Result<(), Refused> {
    if artifact.findings.is_empty() || policy.allow_findings {
        Ok(())
    } else {
        Err(Refused { findings: artifact.findings.clone() })
    }
}

/// The sentence that every output of an artifact built with findings
/// carries (the server's `/healthz` and cards, `eval`'s warning).
pub fn warning(artifact: &Artifact) -> Option<String> {
    if artifact.findings.is_empty() {
        return None;
    }
    let codes: Vec<&str> = artifact.findings.iter().map(|f| f.code.as_str()).collect();
    Some(format!(
        "`{}` was built with analysis errors ({}): its results may contradict themselves; not for patients",
        artifact.guideline.id,
        codes.join(", ")
    ))
}
