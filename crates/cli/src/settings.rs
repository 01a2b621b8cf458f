//! A forum's settings, in `guidepath.toml` beside its guidelines: which
//! languages the report holds every guideline's titles to.
//!
//! ```toml
//! [report]
//! languages = ["sv", "en"]
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The settings file's name.
pub const FILE: &str = "guidepath.toml";

/// Largest settings file read.
const MAX_BYTES: u64 = 64 << 10;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub report: Report,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The languages every guideline must have its titles in.
    pub languages: Option<Vec<String>>,
}

/// The settings for a run over `paths`: the `guidepath.toml` of the first
/// path's folder (a file's own folder) or of the nearest folder above it;
/// none found, the defaults. The file found is returned with them.
pub fn find(paths: &[PathBuf]) -> Result<(Settings, Option<PathBuf>), String> {
    let first = paths.first().map_or_else(|| PathBuf::from("."), Clone::clone);
    let start = if first.is_dir() { first } else { first.parent().map(Path::to_path_buf).unwrap_or_default() };
    let start = std::path::absolute(if start.as_os_str().is_empty() { Path::new(".") } else { &start })
        .map_err(|e| crate::cannot_read(&start, &e))?;
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        let file = d.join(FILE);
        if file.is_file() {
            return read(&file).map(|s| (s, Some(file)));
        }
        dir = d.parent();
    }
    Ok((Settings::default(), None))
}

fn read(path: &Path) -> Result<Settings, String> {
    let text = guidepath_check::db::read_bounded(path, MAX_BYTES).map_err(|e| crate::cannot_read(path, &e))?;
    let settings: Settings = toml::from_str(&text).map_err(|e| format!("`{}`: {}", path.display(), e.message()))?;
    if let Some(langs) = &settings.report.languages {
        languages(langs).map_err(|e| format!("`{}`: {e}", path.display()))?;
    }
    Ok(settings)
}

/// Checks language tags against the language's own (`da`, `sv`, …).
pub fn languages(tags: &[String]) -> Result<(), String> {
    for t in tags {
        if !guidepath_check::LANGUAGES.contains(&t.as_str()) {
            return Err(format!(
                "`{t}` is not a language a guideline is written in: {}",
                guidepath_check::LANGUAGES.join(", ")
            ));
        }
    }
    Ok(())
}
