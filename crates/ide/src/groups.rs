//! Diagnostics kept per group of files, so an edit re-checks only the
//! group it is in.
//!
//! A group is a connected part of the `use` graph: files that use each
//! other, directly or through others. What one group's check says cannot
//! depend on another group (no file is in both, and a declaration's use
//! is counted only where it is made), so a group whose files are all as
//! they were keeps its diagnostics. A group is known by every file it
//! loaded, each with a fingerprint: an open document by its text, a file
//! on disk by its length and modification time. An edit that makes a
//! file use one of another group joins them: the check of the changed
//! files finds it loaded a clean group's file, and that group is checked
//! with them.
//!
//! Requests (hover, definition, completion) are answered from the check of
//! their file's group while its files are as they were, so a request after
//! the diagnostics of an edit checks nothing.
//!
//! Open documents are texts over a base file system: the disk for the
//! language server, the built-in instruments alone in the browser.

use guidepath_check::{Cached, Checked, FileId, FileSystem, Overlay};
use guidepath_syntax::ParseCache;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a file's text was when it was checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Print {
    /// An open document: its text's hash and length.
    Open(u64, usize),
    /// A file of the base: its stamp (`FileSystem::stamp`), or that it has
    /// none.
    Base(Option<(u64, std::time::SystemTime)>),
}

fn print(base: &dyn FileSystem, docs: &HashMap<PathBuf, String>, path: &Path) -> Print {
    print_of(base, docs.get(path).map(String::as_str), path)
}

/// The fingerprint of a file: `open` is its text if it is an open document.
pub fn print_of(base: &dyn FileSystem, open: Option<&str>, path: &Path) -> Print {
    match open {
        Some(text) => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            Print::Open(h.finish(), text.len())
        }
        None => Print::Base(base.stamp(path)),
    }
}

/// One group's check: its roots, every file it loaded, and where each
/// file's diagnostics are.
pub struct Group {
    roots: Vec<PathBuf>,
    /// Each file loaded: its path as named, its real path (which names it
    /// across checks) and its fingerprint.
    files: Vec<(PathBuf, PathBuf, Print)>,
    diagnostics: Vec<FileDiagnostics>,
    /// The check the group came from (it may hold other groups checked in
    /// the same batch; none of them can refer to this group's files).
    checked: Arc<Checked>,
}

/// The groups of the last check.
pub struct Groups {
    groups: Vec<Arc<Group>>,
    /// Where the checks parse through.
    parses: Arc<ParseCache>,
}

/// One file's diagnostics: `checked.diagnostics[file]`, with the text and
/// line index they point into at `checked.db.file(file)`.
#[derive(Clone)]
pub struct FileDiagnostics {
    pub path: PathBuf,
    pub checked: Arc<Checked>,
    pub file: FileId,
}

impl FileDiagnostics {
    pub fn diagnostics(&self) -> &[guidepath_syntax::Diagnostic] {
        self.checked.diagnostics.get(self.file).map_or(&[], Vec::as_slice)
    }
}

/// One check's diagnostics, per file.
pub struct Outcome {
    pub diagnostics: Vec<FileDiagnostics>,
}

impl Groups {
    pub fn new(parses: Arc<ParseCache>) -> Groups {
        Groups { groups: Vec::new(), parses }
    }

    /// The diagnostics of every root (in `roots` order) and of the files
    /// they use, checking only the groups whose files changed. `docs` are
    /// the open documents over `base`; `check` checks and analyses roots.
    pub fn update(
        &mut self,
        base: &dyn FileSystem,
        docs: &HashMap<PathBuf, String>,
        roots: &[PathBuf],
        check: &dyn Fn(&dyn FileSystem, &[PathBuf]) -> Checked,
    ) -> Outcome {
        let wanted: HashSet<&PathBuf> = roots.iter().collect();
        let mut clean: Vec<Arc<Group>> = Vec::new();
        let mut dirty: HashSet<PathBuf> = HashSet::new();
        for g in self.groups.drain(..) {
            let same = g.roots.iter().all(|r| wanted.contains(r))
                && g.files.iter().all(|(p, _, pr)| print(base, docs, p) == *pr);
            if same {
                clean.push(g);
            } else {
                dirty.extend(g.roots.iter().filter(|r| wanted.contains(r)).cloned());
            }
        }
        let kept: HashSet<&PathBuf> = clean.iter().flat_map(|g| &g.roots).collect();
        dirty.extend(roots.iter().filter(|r| !kept.contains(r)).cloned());
        let overlay = Overlay { base, files: docs.clone() };
        let parses = self.parses.clone();
        let overlay = Cached { fs: overlay, cache: &parses };
        // A changed file may now use a file of a clean group: then that
        // group is checked with it, until no check reaches a clean group.
        while !dirty.is_empty() {
            let batch: Vec<PathBuf> = roots.iter().filter(|r| dirty.contains(*r)).cloned().collect();
            let checked = Arc::new(check(&overlay, &batch));
            let loaded: HashSet<&Path> = checked.db.files.iter().map(|f| f.real.as_path()).collect();
            let (reached, rest): (Vec<Arc<Group>>, Vec<Arc<Group>>) =
                clean.into_iter().partition(|g| g.files.iter().any(|(_, real, _)| loaded.contains(real.as_path())));
            clean = rest;
            if !reached.is_empty() {
                dirty.extend(reached.iter().flat_map(|g| g.roots.iter().cloned()));
                continue;
            }
            clean.extend(split(&overlay, &checked, &batch, base, docs).into_iter().map(Arc::new));
            dirty.clear();
        }
        // Every file's diagnostics, group by group in the order of their
        // first root (groups share no file).
        let by_root: HashMap<&PathBuf, usize> =
            clean.iter().enumerate().flat_map(|(k, g)| g.roots.iter().map(move |r| (r, k))).collect();
        let mut listed = vec![false; clean.len()];
        let mut diagnostics = Vec::new();
        for r in roots {
            let Some(&k) = by_root.get(r) else { continue };
            if !std::mem::replace(&mut listed[k], true) {
                diagnostics.extend(clean[k].diagnostics.iter().cloned());
            }
        }
        self.groups = clean;
        Outcome { diagnostics }
    }

    /// The groups as last checked, to share with requests.
    pub fn shared(&self) -> Vec<Arc<Group>> {
        self.groups.clone()
    }
}

/// The group that loaded `path`.
fn group_of<'g>(groups: &'g [Arc<Group>], path: &Path) -> Option<&'g Group> {
    groups.iter().map(|g| &**g).find(|g| g.files.iter().any(|(p, _, _)| p == path))
}

/// The check of `path`'s group if every file of the group is as it was
/// then; `print` gives a file's fingerprint now.
pub fn current(groups: &[Arc<Group>], path: &Path, print: impl Fn(&Path) -> Print) -> Option<Arc<Checked>> {
    let g = group_of(groups, path)?;
    g.files.iter().all(|(p, _, pr)| print(p) == *pr).then(|| g.checked.clone())
}

/// The roots of the group that loaded `path` when it was last checked.
pub fn roots_of(groups: &[Arc<Group>], path: &Path) -> Option<Vec<PathBuf>> {
    group_of(groups, path).map(|g| g.roots.clone())
}

/// The groups of one check: the files each root reaches through `use`,
/// joined where they share a file.
fn split(
    fs: &dyn FileSystem,
    checked: &Arc<Checked>,
    roots: &[PathBuf],
    base: &dyn FileSystem,
    docs: &HashMap<PathBuf, String>,
) -> Vec<Group> {
    let n = checked.db.files.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (id, file) in checked.db.files.iter().enumerate() {
        for item in &file.ast.items {
            let guidepath_syntax::ast::Item::Use(u) = item else { continue };
            let Ok(path) = guidepath_check::resolve_use(fs, file, &u.path) else { continue };
            if let Some(target) = checked.db.lookup(&guidepath_check::db::real_path(fs, &path)) {
                let (a, b) = (find(&mut parent, id), find(&mut parent, target));
                parent[a] = b;
            }
        }
    }
    let mut groups: HashMap<usize, Group> = HashMap::new();
    let mut order: Vec<usize> = Vec::new();
    for (id, file) in checked.db.files.iter().enumerate() {
        let g = find(&mut parent, id);
        let group = groups.entry(g).or_insert_with(|| {
            order.push(g);
            Group { roots: Vec::new(), files: Vec::new(), diagnostics: Vec::new(), checked: checked.clone() }
        });
        group.files.push((file.path.clone(), file.real.clone(), print(base, docs, &file.path)));
        if roots.contains(&file.path) {
            group.roots.push(file.path.clone());
        }
        group.diagnostics.push(FileDiagnostics { path: file.path.clone(), checked: checked.clone(), file: id });
    }
    order.into_iter().filter_map(|g| groups.remove(&g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use guidepath_check::Disk;
    use guidepath_syntax::Diagnostic;
    use std::cell::RefCell;

    const HEAD: &str = "issuer \"t\" version \"1\" status draft language en source \"t\" }\n";

    fn lib() -> String {
        format!(
            "guideline t.lib \"Lib\" {{ {HEAD}input {{\n  x : integer in 0..10\n}}\n\
             define high = x > 5\n\
             recommend base \"Base\" {{ when x > 2 }}\n"
        )
    }

    fn user(name: &str, uses_high: bool) -> String {
        let when = if uses_high { "lib.high" } else { "lib.x > 1" };
        format!("guideline t.{name} \"{name}\" {{ {HEAD}use lib\nrecommend r \"R\" {{ when {when} }}\n")
    }

    fn alone(extra: &str) -> String {
        format!("guideline t.c \"C\" {{ {HEAD}input {{\n  y : boolean\n}}\nrecommend s \"S\" {{ when y{extra} }}\n")
    }

    /// The diagnostics of one check of everything, as the server sent
    /// them before groups.
    fn whole(docs: &HashMap<PathBuf, String>, roots: &[PathBuf]) -> Vec<(PathBuf, Vec<Diagnostic>)> {
        let overlay = Overlay { base: Disk, files: docs.clone() };
        let checked = guidepath_analysis::check_and_analyse(&overlay, roots);
        let mut out: Vec<(PathBuf, Vec<Diagnostic>)> =
            checked.db.files.iter().zip(&checked.diagnostics).map(|(f, ds)| (f.path.clone(), ds.clone())).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// A folder with a library, a file that uses it and one that does not.
    fn workspace(name: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("guidepath-groups-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = std::fs::canonicalize(&dir).unwrap();
        let (lib_p, a, c) = (dir.join("lib.guide"), dir.join("a.guide"), dir.join("c.guide"));
        std::fs::write(&lib_p, lib()).unwrap();
        std::fs::write(&a, user("a", true)).unwrap();
        std::fs::write(&c, alone("")).unwrap();
        (dir, lib_p, a, c)
    }

    #[test]
    fn an_edit_checks_its_group_only_and_every_file_gets_what_a_whole_check_gives() {
        let (dir, lib_p, a, c) = workspace("whole");
        let roots = vec![a.clone(), c.clone(), lib_p.clone()];
        let batches: RefCell<Vec<Vec<PathBuf>>> = RefCell::new(Vec::new());
        let check = |fs: &dyn FileSystem, r: &[PathBuf]| {
            batches.borrow_mut().push(r.to_vec());
            guidepath_analysis::check_and_analyse(fs, r)
        };
        let mut groups = Groups::new(Arc::default());
        let mut step = |docs: &HashMap<PathBuf, String>, want: Vec<Vec<PathBuf>>, what: &str| {
            batches.borrow_mut().clear();
            let out = groups.update(&Disk, docs, &roots, &check);
            assert_eq!(*batches.borrow(), want, "{what}: what was checked");
            let mut got: Vec<(PathBuf, Vec<Diagnostic>)> =
                out.diagnostics.iter().map(|f| (f.path.clone(), f.diagnostics().to_vec())).collect();
            got.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(got, whole(docs, &roots), "{what}: the diagnostics");
        };
        let mut docs: HashMap<PathBuf, String> = HashMap::new();
        step(&docs, vec![roots.clone()], "the first check");
        step(&docs, vec![], "nothing changed");
        // An unrelated file: checked alone, its new error reported.
        docs.insert(c.clone(), alone(" and"));
        step(&docs, vec![vec![c.clone()]], "an edit of the unrelated file");
        // The user stops using `high`: the library's definition is unused
        // now, so the library is checked with it.
        docs.insert(a.clone(), user("a", false));
        step(&docs, vec![vec![a.clone(), lib_p.clone()]], "an edit of the user");
        // The unrelated file starts using the library: the groups join.
        docs.insert(c.clone(), user("c", true));
        step(&docs, vec![vec![c.clone()], roots.clone()], "a new use");
        step(&docs, vec![], "nothing changed again");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Requests get the worker's check of their file's group while the
    /// group's files are as it saw them, and the group's roots otherwise.
    #[test]
    fn requests_share_the_check_of_a_group_while_its_files_are_unchanged() {
        let (dir, lib_p, a, c) = workspace("shared");
        let roots = vec![a.clone(), c.clone(), lib_p.clone()];
        let mut docs: HashMap<PathBuf, String> = HashMap::new();
        docs.insert(a.clone(), user("a", true));
        let mut groups = Groups::new(Arc::default());
        groups.update(&Disk, &docs, &roots, &|fs, r| guidepath_analysis::check_and_analyse(fs, r));
        let shared = groups.shared();
        let now = |docs: &HashMap<PathBuf, String>| {
            let docs = docs.clone();
            move |p: &Path| print(&Disk, &docs, p)
        };
        let loaded = |c: &Checked| -> Vec<PathBuf> { c.db.files.iter().map(|f| f.path.clone()).collect() };
        let of_a = current(&shared, &a, now(&docs)).expect("the user's group is current");
        assert!(loaded(&of_a).contains(&lib_p));
        assert!(current(&shared, &lib_p, now(&docs)).is_some_and(|c| Arc::ptr_eq(&c, &of_a)));
        assert!(current(&shared, &c, now(&docs)).is_some());
        // The user is edited: its group is not current; the other is.
        docs.insert(a.clone(), user("a", false));
        assert!(current(&shared, &a, now(&docs)).is_none());
        assert!(current(&shared, &lib_p, now(&docs)).is_none());
        assert!(current(&shared, &c, now(&docs)).is_some());
        let mut of_a_roots = roots_of(&shared, &a).unwrap();
        of_a_roots.sort();
        assert_eq!(of_a_roots, vec![a.clone(), lib_p.clone()]);
        assert_eq!(roots_of(&shared, &c), Some(vec![c.clone()]));
        assert_eq!(roots_of(&shared, &dir.join("elsewhere.guide")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
