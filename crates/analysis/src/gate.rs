//! The one gate between a guideline's source and a patient.
//!
//! Every command that turns a guideline into something that decides for
//! patients (`compile`, `eval`, `test`, `serve`, `sql`, and every export)
//! compiles it through [`compile`]: the checker, then the consistency
//! analysis on the compiled rules. Any error of either refuses the
//! guideline, with the diagnostics `guidepath check` shows for it
//! (witness patients included); warnings and notes pass. Only when the
//! policy allows findings does a guideline with analysis errors (never one
//! with checker errors) pass, and its artifact then carries them
//! ([`guidepath_ir::Artifact::findings`]) for [`guidepath_ir::gate::admit`]
//! to see wherever it is read.

use crate::{analyse, check_and_analyse};
use guidepath_check::{Checked, FileSystem, Lowered, Severity};
use guidepath_ir::gate::Finding;
pub use guidepath_ir::gate::Policy;
use std::path::Path;

/// A guideline the gate lets through.
#[derive(Debug)]
pub struct Passed {
    /// Every diagnostic of the check and the analysis (warnings and notes
    /// only, unless the policy allowed findings).
    pub checked: Checked,
    /// The sealed artifact and the inline tests.
    pub lowered: Lowered,
}

/// A guideline the gate refuses: the diagnostics `guidepath check` shows
/// for the file, or the files that could not be read.
#[derive(Debug)]
pub struct Refused {
    /// Boxed: a refusal is the rare path, and `Checked` is large.
    pub checked: Box<Checked>,
}

impl Refused {
    /// The file, or a file it uses, could not be read.
    pub fn unreadable(&self) -> bool {
        !self.checked.load_errors.is_empty()
    }
}

/// Compiles `path` (and what it uses), analyses it, and lets it through
/// only without errors, or with analysis errors when `policy` allows them.
pub fn compile(fs: &dyn FileSystem, path: &Path, policy: Policy) -> Result<Passed, Refused> {
    let mut compiled = guidepath_check::compile(fs, path);
    if compiled.lowered.is_none() {
        if !compiled.checked.load_errors.is_empty() {
            return Err(Refused { checked: Box::new(compiled.checked) });
        }
        // The checker's errors, with the findings `check` adds to a file
        // that has errors elsewhere in it, so the output is `check`'s.
        return Err(Refused { checked: Box::new(check_and_analyse(fs, &[path.to_path_buf()])) });
    }
    let found = analyse(&compiled);
    let errors: Vec<Finding> = found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| Finding { code: d.code.as_str().to_string(), message: d.message.clone() })
        .collect();
    if let Some(&root) = compiled.checked.roots.first() {
        crate::add_findings(&mut compiled.checked.diagnostics[root], found);
    }
    let checked = compiled.checked;
    let Some(mut lowered) = compiled.lowered else { return Err(Refused { checked: Box::new(checked) }) };
    if !errors.is_empty() {
        if !policy.allow_findings {
            return Err(Refused { checked: Box::new(checked) });
        }
        guidepath_ir::gate::record(&mut lowered.artifact, errors);
    }
    Ok(Passed { checked, lowered })
}
