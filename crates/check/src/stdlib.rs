//! The standard library: the shipped instruments, built into the binary,
//! so that `use instruments.start_back` works from any folder. A `use` is
//! looked up on the disk first, from the using file's folder up; only when
//! no folder has the file is it taken from here. The standard library's
//! files are named `<guidepath-VERSION>/instruments/NAME.guide`, and an
//! artifact records that name with the text's SHA-256, so it says which
//! version of an instrument it was compiled with.
//!
//! Built in rather than found on a search path: a binary installed with
//! `cargo install` or copied alone has no folder of instruments beside it,
//! and a working group's file must check the same on every machine.

use std::path::{Path, PathBuf};

/// The folder name the standard library's files are under: not a folder
/// on any disk, and naming the version.
pub const ROOT: &str = concat!("<guidepath-", env!("CARGO_PKG_VERSION"), ">");

/// The files, by their path below [`ROOT`].
const FILES: [(&str, &str); 2] = [
    ("instruments/start_back.guide", include_str!("../../../guidelines/instruments/start_back.guide")),
    ("instruments/orebro_sf.guide", include_str!("../../../guidelines/instruments/orebro_sf.guide")),
];

/// Whether `path` names a file of the standard library (or would).
pub fn is_std(path: &Path) -> bool {
    path.components().next().is_some_and(|c| c.as_os_str() == ROOT)
}

/// The text of a standard library file.
pub fn text(path: &Path) -> Option<&'static str> {
    let rel = path.strip_prefix(ROOT).ok()?;
    FILES.iter().find(|(p, _)| Path::new(p) == rel).map(|(_, t)| *t)
}

/// The standard library's file at `rel` (`instruments/start_back.guide`).
pub fn find(rel: &Path) -> Option<PathBuf> {
    FILES.iter().any(|(p, _)| Path::new(p) == rel).then(|| Path::new(ROOT).join(rel))
}

/// Every file, as `use` paths: `instruments.start_back`.
pub fn uses() -> impl Iterator<Item = String> {
    FILES.iter().map(|(p, _)| p.trim_end_matches(".guide").replace('/', "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_found_by_its_use_path() {
        for u in uses() {
            let rel = PathBuf::from(format!("{}.guide", u.replace('.', "/")));
            let p = find(&rel).expect("found");
            assert!(is_std(&p));
            assert!(text(&p).is_some_and(|t| t.contains("instrument ")), "{u}");
        }
        assert_eq!(find(Path::new("instruments/nope.guide")), None);
        assert!(!is_std(Path::new("guidelines/instruments/start_back.guide")));
    }
}
