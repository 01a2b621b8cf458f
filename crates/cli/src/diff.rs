//! `guidepath diff OLD NEW`: what a new version changes, as written and for
//! patients (`guidepath_analysis::diff`).

use guidepath_analysis::diff::{count_changes, diff, Diff, Semantic};
use guidepath_ir::Artifact;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How `diff` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
}

pub struct Options {
    pub format: DiffFormat,
    /// Patients to count, one JSON object a line.
    pub patients: Option<PathBuf>,
    /// `old=new`: names in the old version that the new one calls otherwise.
    pub renames: Vec<(String, String)>,
}

/// One pair of files and what changed between them.
struct Compared {
    old: Option<PathBuf>,
    new: Option<PathBuf>,
    diff: Option<Diff>,
    counts: HashMap<String, usize>,
    /// For a file in one version only: its recommendations.
    only: Vec<String>,
}

pub fn run(old: &Path, new: &Path, opts: Options) -> ExitCode {
    // Only a revision may lack the path (a file added or removed since).
    for p in [old, new] {
        if !p.exists() {
            eprintln!("error: cannot read `{}`: no such file or folder", p.display());
            return ExitCode::from(2);
        }
    }
    compare(old, new, &|p: &Path| p.to_path_buf(), opts)
}

/// `--git REV [PATH]` (REV against the working tree) or `--git A..B [PATH]`:
/// the `*.guide` files of each revision are written to a temporary folder
/// (all of them, so `use` finds what it uses) and PATH is compared there.
pub fn run_git(spec: &str, path: &Path, opts: Options) -> ExitCode {
    match git_trees(spec, path) {
        Ok((tmp, old, new, labels)) => {
            let code = compare(&old, &new, &|p: &Path| labels.show(p), opts);
            let _ = std::fs::remove_dir_all(tmp);
            code
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// How a path under a temporary checkout is shown: `REV:path`.
struct Labels {
    roots: Vec<(PathBuf, String)>,
}

impl Labels {
    fn show(&self, p: &Path) -> PathBuf {
        for (root, rev) in &self.roots {
            if let Ok(rel) = p.strip_prefix(root) {
                return PathBuf::from(format!("{rev}:{}", rel.display()));
            }
        }
        p.to_path_buf()
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(out.stdout)
}

type Trees = (PathBuf, PathBuf, PathBuf, Labels);

fn git_trees(spec: &str, path: &Path) -> Result<Trees, String> {
    let real = path.canonicalize().map_err(|e| crate::cannot_read(path, &e))?;
    let dir = if real.is_dir() { real.clone() } else { real.parent().map_or(real.clone(), Path::to_path_buf) };
    let top = String::from_utf8_lossy(&git(&dir, &["rev-parse", "--show-toplevel"])?).trim().to_string();
    let top = PathBuf::from(top).canonicalize().map_err(|e| e.to_string())?;
    let rel =
        real.strip_prefix(&top).map_err(|_| format!("`{}` is not in the repository", path.display()))?.to_path_buf();
    let tmp = std::env::temp_dir().join(format!("guidepath-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let checkout = |rev: &str, into: &Path| -> Result<(), String> {
        let list = git(&top, &["ls-tree", "-r", "-z", "--name-only", rev])?;
        for name in list.split(|b| *b == 0).filter(|n| n.ends_with(b".guide")) {
            let name = String::from_utf8_lossy(name);
            let text = git(&top, &["show", &format!("{rev}:{name}")])?;
            let to = into.join(&*name);
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(&to, text).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let (a, b) = match spec.split_once("..") {
        Some((a, b)) => (a, Some(b)),
        None => (spec, None),
    };
    checkout(a, &tmp.join("old"))?;
    let mut roots = vec![(tmp.join("old"), a.to_string())];
    let new = match b {
        Some(b) => {
            checkout(b, &tmp.join("new"))?;
            roots.push((tmp.join("new"), b.to_string()));
            tmp.join("new").join(&rel)
        }
        None => path.to_path_buf(),
    };
    let old = tmp.join("old").join(&rel);
    Ok((tmp, old, new, Labels { roots }))
}

fn compare(old: &Path, new: &Path, label: &dyn Fn(&Path) -> PathBuf, opts: Options) -> ExitCode {
    let pairs = match pairs(old, new) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let patients = match &opts.patients {
        Some(p) => match read_patients(p) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (o, n) in pairs {
        let (Some(op), Some(np)) = (&o, &n) else {
            let one = o.as_deref().or(n.as_deref());
            let only = one
                .and_then(|p| guidepath_check::compile(&guidepath_check::Disk, p).lowered)
                .map(|l| l.artifact.recommendations.into_iter().map(|r| r.id).collect())
                .unwrap_or_default();
            out.push(Compared {
                old: o.as_deref().map(label),
                new: n.as_deref().map(label),
                diff: None,
                counts: HashMap::new(),
                only,
            });
            continue;
        };
        // A version with errors has no rules to compare: exit 2, as diff(1)
        // does on trouble.
        let (a, b) = match (rules_of(op), rules_of(np)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let mut old_art = a.artifact;
        rename(&mut old_art, &opts.renames);
        let d = diff(&old_art, &b.artifact);
        let counts =
            if patients.is_empty() { HashMap::new() } else { count_changes(&d, &old_art, &b.artifact, &patients) };
        out.push(Compared { old: Some(label(op)), new: Some(label(np)), diff: Some(d), counts, only: Vec::new() });
    }
    let moved = moved(&out);
    let text = match opts.format {
        DiffFormat::Human => human(&out, &moved, opts.patients.is_some()),
        DiffFormat::Markdown => markdown(&out, &moved, opts.patients.is_some()),
        DiffFormat::Json => json(&out, &moved),
    };
    print!("{text}");
    let changes = out.iter().any(|c| c.diff.as_ref().is_none_or(Diff::changes_patients));
    if changes {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// An old and a new file; `None` on the side a file is missing from.
type Pair = (Option<PathBuf>, Option<PathBuf>);

/// Files to compare: two files, or the files of two folders paired by
/// their path below each folder.
/// A version's rules, checked but not analysed: `diff` decides for no
/// patient, so a version with analysis findings is still compared (its
/// witnesses are then evaluated with `--allow-findings`). Its checker
/// errors, as `check` renders them, when it has any.
fn rules_of(path: &Path) -> Result<guidepath_check::Lowered, String> {
    let compiled = guidepath_check::compile(&guidepath_check::Disk, path);
    if let Some((p, e)) = compiled.checked.load_errors.first() {
        return Err(format!("error: {}", crate::cannot_read(p, e)));
    }
    compiled.lowered.ok_or_else(|| crate::render::human(&compiled.checked).trim_end().to_string())
}

fn pairs(old: &Path, new: &Path) -> Result<Vec<Pair>, String> {
    // A revision without the path: every file of the other side is new, or
    // gone.
    if !old.exists() || !new.exists() {
        let (side, in_old) = if old.exists() { (old, true) } else { (new, false) };
        let mut files = Vec::new();
        guidepath_check::db::find_guides(side, &mut files, &guidepath_check::db::Budget::unbounded())
            .map_err(|e| crate::cannot_read(side, &e))?;
        return Ok(files.into_iter().map(|f| if in_old { (Some(f), None) } else { (None, Some(f)) }).collect());
    }
    match (old.is_dir(), new.is_dir()) {
        (false, false) => Ok(vec![(Some(old.to_path_buf()), Some(new.to_path_buf()))]),
        (true, true) => {
            let list = |dir: &Path| -> Result<BTreeMap<PathBuf, PathBuf>, String> {
                let mut files = Vec::new();
                guidepath_check::db::find_guides(dir, &mut files, &guidepath_check::db::Budget::unbounded())
                    .map_err(|e| crate::cannot_read(dir, &e))?;
                Ok(files.into_iter().filter_map(|f| Some((f.strip_prefix(dir).ok()?.to_path_buf(), f))).collect())
            };
            let (a, b) = (list(old)?, list(new)?);
            let mut keys: Vec<&PathBuf> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            Ok(keys.into_iter().map(|k| (a.get(k).cloned(), b.get(k).cloned())).collect())
        }
        _ => Err("compare two files or two folders".into()),
    }
}

/// The largest file of patients `--patients` reads (they are held in
/// memory, each line within the bounds of one patient).
const MAX_PATIENTS_BYTES: u64 = 256 << 20;

fn read_patients(path: &Path) -> Result<Vec<serde_json::Value>, String> {
    let text = guidepath_check::db::read_bounded(path, MAX_PATIENTS_BYTES).map_err(|e| crate::cannot_read(path, &e))?;
    // Each line within the bounds `guidepath eval --ndjson` holds it to.
    use crate::patient::{MAX_PATIENT_BYTES, MAX_PATIENT_DEPTH};
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(k, l)| {
            let at = format!("{}:{}", path.display(), k + 1);
            if l.len() > MAX_PATIENT_BYTES || guidepath_ir::depth::deeper_than(l, MAX_PATIENT_DEPTH) {
                return Err(format!("{at}: larger or deeper than patient data may be"));
            }
            match guidepath_ir::json::from_str(l) {
                Ok((v, repeated)) if repeated.is_empty() => Ok(v),
                Ok((_, repeated)) => Err(format!("{at}: {}", guidepath_ir::json::repeated_message(&repeated))),
                Err(e) => Err(format!("{at}: not JSON: {e}")),
            }
        })
        .collect()
}

/// Applies `--rename old=new` to the old version: recommendations,
/// definitions, scores, stratifications, steps and inputs.
fn rename(art: &mut Artifact, renames: &[(String, String)]) {
    for (from, to) in renames {
        for r in &mut art.recommendations {
            if r.id == *from {
                r.id = to.clone();
            }
        }
        for n in &mut art.nodes {
            if n.id == *from {
                n.id = to.clone();
            }
        }
        for i in &mut art.inputs {
            if i.path == *from {
                i.path = to.clone();
            }
        }
        for p in &mut art.pathways {
            if p.id == *from {
                p.id = to.clone();
            }
        }
    }
}

fn title(c: &Compared) -> String {
    let show = |p: &Option<PathBuf>| p.as_ref().map_or("(none)".into(), |p| p.display().to_string());
    format!("{} → {}", show(&c.old), show(&c.new))
}

fn semantic_line(s: &Semantic, id: &str) -> String {
    match s {
        Semantic::Changes { notation, was, is, .. } => {
            // Diff's sentences are the operator's, in English, with the
            // words every output takes them from.
            let w = guidepath_words::Lang::En.words();
            format!("changes for patients, e.g. {notation}: `{id}` {}: {was}; {}: {is}", w.before, w.now)
        }
        Semantic::Same => "no patient changes (proven: every case tried)".into(),
        Semantic::Unknown(why) => format!("not decided: {why}"),
    }
}

/// A rule moved between files: (kind, id, from, to). It is also listed as
/// removed from one and added to the other.
type Moved = (&'static str, String, String, String);

/// Rules removed from one file of a folder and added to another.
fn moved(out: &[Compared]) -> Vec<Moved> {
    let shown = |p: &Option<PathBuf>| p.as_ref().map_or(String::new(), |p| p.display().to_string());
    // What each file lost and gained; a file in one version only lost or
    // gained all its recommendations.
    // `gone` picks the rules a file lost (true) or gained (false); a file
    // that is only on the other side lost or gained all of its own.
    let rules = |c: &Compared, gone: bool| -> Vec<(&'static str, String)> {
        let other_side = if gone { &c.new } else { &c.old };
        match (&c.diff, other_side) {
            (Some(d), _) => {
                if gone {
                    d.removed.clone()
                } else {
                    d.added.clone()
                }
            }
            (None, None) => c.only.iter().map(|id| ("recommendation", id.clone())).collect(),
            (None, Some(_)) => Vec::new(),
        }
    };
    let mut v = Vec::new();
    for a in out {
        for (kind, id) in rules(a, true) {
            for b in out.iter().filter(|b| !std::ptr::eq(*b, a)) {
                if rules(b, false).iter().any(|(k, i)| *k == kind && *i == id) {
                    v.push((kind, id.clone(), shown(&a.old), shown(&b.new)));
                }
            }
        }
    }
    v
}

fn human(out: &[Compared], moved: &[Moved], counted: bool) -> String {
    let mut s = String::new();
    for (kind, id, from, to) in moved {
        s.push_str(&format!("{kind} `{id}` moved from {from} to {to}\n"));
    }
    for c in out {
        s.push_str(&format!("diff {}\n", title(c)));
        let Some(d) = &c.diff else {
            s.push_str(if c.old.is_none() { "  a new guideline file\n" } else { "  the guideline file is gone\n" });
            continue;
        };
        for m in &d.metadata {
            s.push_str(&format!("  guideline: {m}\n"));
        }
        for i in &d.inputs {
            s.push_str(&format!("  {i}\n"));
        }
        for (kind, id) in &d.added {
            s.push_str(&format!("  + {kind} `{id}` added\n"));
        }
        for (kind, id) in &d.removed {
            s.push_str(&format!("  - {kind} `{id}` removed\n"));
        }
        if let Some(why) = &d.not_compared {
            s.push_str(&format!("  not compared for patients: {why}\n"));
        }
        let mut same = Vec::new();
        for r in &d.rules {
            if r.written.is_empty() && r.semantic == Semantic::Same {
                same.push(r.id.as_str());
                continue;
            }
            s.push_str(&format!("  {} `{}`\n", r.kind, r.id));
            for w in &r.written {
                s.push_str(&format!("    {w}\n"));
            }
            s.push_str(&format!("    {}\n", semantic_line(&r.semantic, &r.id)));
            if counted {
                s.push_str(&format!(
                    "    patients whose outcome changes: {}\n",
                    c.counts.get(&r.id).copied().unwrap_or(0)
                ));
            }
        }
        if !same.is_empty() {
            s.push_str(&format!("  unchanged, proven for every patient: {}\n", same.join(", ")));
        }
        if d.proven_same() {
            s.push_str("  no patient changes\n");
        }
    }
    s
}

fn markdown(out: &[Compared], moved: &[Moved], counted: bool) -> String {
    let mut s = String::from("# guidepath diff\n");
    if !moved.is_empty() {
        s.push('\n');
        for (kind, id, from, to) in moved {
            s.push_str(&format!("- {kind} `{id}` moved from `{from}` to `{to}`\n"));
        }
    }
    for c in out {
        s.push_str(&format!("\n## {}\n\n", title(c)));
        let Some(d) = &c.diff else {
            s.push_str(if c.old.is_none() { "A new guideline file.\n" } else { "The guideline file is gone.\n" });
            continue;
        };
        if d.proven_same() {
            s.push_str("**No patient changes** (proven: every case tried).\n\n");
        }
        for line in d.metadata.iter().map(|m| format!("guideline: {m}")).chain(d.inputs.iter().cloned()) {
            s.push_str(&format!("- {line}\n"));
        }
        for (kind, id) in &d.added {
            s.push_str(&format!("- added: {kind} `{id}`\n"));
        }
        for (kind, id) in &d.removed {
            s.push_str(&format!("- removed: {kind} `{id}`\n"));
        }
        let changed: Vec<_> =
            d.rules.iter().filter(|r| !(r.written.is_empty() && r.semantic == Semantic::Same)).collect();
        if !changed.is_empty() {
            s.push_str("\n| rule | as written | for patients |");
            s.push_str(if counted { " patients changed |\n|---|---|---|---|\n" } else { "\n|---|---|---|\n" });
            for r in changed {
                let cell = |t: &str| t.replace('|', "\\|");
                s.push_str(&format!(
                    "| {} `{}` | {} | {} |",
                    r.kind,
                    r.id,
                    cell(&r.written.join("; ")),
                    cell(&semantic_line(&r.semantic, &r.id))
                ));
                if counted {
                    s.push_str(&format!(" {} |", c.counts.get(&r.id).copied().unwrap_or(0)));
                }
                s.push('\n');
            }
        }
    }
    s
}

fn json(out: &[Compared], moved: &[Moved]) -> String {
    let files: Vec<serde_json::Value> = out
        .iter()
        .map(|c| {
            let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
            let Some(d) = &c.diff else {
                return serde_json::json!({ "old": path(&c.old), "new": path(&c.new), "changes_patients": true });
            };
            let rules: Vec<serde_json::Value> = d
                .rules
                .iter()
                .map(|r| {
                    let semantic = match &r.semantic {
                        Semantic::Changes { patient, was, is, .. } => {
                            serde_json::json!({ "result": "changes", "patient": patient, "was": was, "is": is })
                        }
                        Semantic::Same => serde_json::json!({ "result": "same" }),
                        Semantic::Unknown(why) => serde_json::json!({ "result": "unknown", "why": why }),
                    };
                    let mut v =
                        serde_json::json!({ "kind": r.kind, "id": r.id, "written": r.written, "patients": semantic });
                    if let Some(n) = c.counts.get(&r.id) {
                        v["patients_changed"] = serde_json::json!(n);
                    }
                    v
                })
                .collect();
            let pairs = |v: &[(&str, String)]| -> Vec<serde_json::Value> {
                v.iter().map(|(k, id)| serde_json::json!({ "kind": k, "id": id })).collect()
            };
            serde_json::json!({
                "old": path(&c.old), "new": path(&c.new),
                "changes_patients": d.changes_patients(), "proven_same": d.proven_same(),
                "metadata": d.metadata, "inputs": d.inputs,
                "added": pairs(&d.added), "removed": pairs(&d.removed),
                "not_compared": d.not_compared, "rules": rules,
            })
        })
        .collect();
    let moved: Vec<serde_json::Value> = moved
        .iter()
        .map(|(kind, id, from, to)| serde_json::json!({ "kind": kind, "id": id, "from": from, "to": to }))
        .collect();
    let v = serde_json::json!({ "schema": "1", "files": files, "moved": moved });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}
