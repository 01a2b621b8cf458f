//! Declarations, what a position names, and what to say about it.

use guidepath_check::{Checked, FileId, RefKind, SourceFile};
use guidepath_syntax::ast::{self, Item};
use guidepath_syntax::Span;
use serde::Serialize;

/// What a declaration is: the outline's, completion's and highlighting's
/// kinds (each transport names them its own way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolKind {
    Guideline,
    Use,
    Input,
    Enum,
    EnumValue,
    Instrument,
    Item,
    Score,
    Define,
    Stratification,
    Stratum,
    Recommendation,
    Pathway,
    Step,
    Test,
}

/// A declaration in a file, with its parts (the outline).
#[derive(Clone, Debug, Serialize)]
pub struct Decl {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    pub name_span: Span,
    pub span: Span,
    pub children: Vec<Decl>,
}

fn decl(name: &ast::Ident, kind: SymbolKind, span: Span, detail: Option<String>) -> Decl {
    Decl { name: name.name.clone(), detail, kind, name_span: name.span, span, children: Vec::new() }
}

/// The first text, as written.
fn title(t: &[ast::Text]) -> Option<String> {
    t.first().map(|t| t.value.clone())
}

/// The declarations of a file, nested as written.
pub fn decls(file: &ast::File) -> Vec<Decl> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Guideline(g) => out.push(Decl {
                name: g.id.dotted(),
                detail: title(g.title.as_slice()),
                kind: SymbolKind::Guideline,
                name_span: g.id.span,
                span: g.span,
                children: Vec::new(),
            }),
            Item::Use(u) => {
                let name = u.alias.as_ref().map_or_else(|| u.path.dotted(), |a| a.name.clone());
                out.push(Decl {
                    name,
                    detail: Some(format!("use {}", u.path.dotted())),
                    kind: SymbolKind::Use,
                    name_span: u.alias.as_ref().map_or(u.path.span, |a| a.span),
                    span: u.span,
                    children: Vec::new(),
                })
            }
            Item::Input(block) => {
                for f in &block.fields {
                    out.push(decl(&f.name, SymbolKind::Input, f.span, Some("input".into())));
                }
            }
            Item::Enum(e) => {
                let mut d = decl(&e.name, SymbolKind::Enum, e.span, title(e.title.as_slice()));
                d.children = e.values.iter().map(|v| decl(&v.name, SymbolKind::EnumValue, v.span, None)).collect();
                out.push(d);
            }
            Item::Instrument(ins) => {
                let mut d = decl(&ins.name, SymbolKind::Instrument, ins.span, title(ins.title.as_slice()));
                d.children
                    .extend(ins.items.iter().map(|i| decl(&i.name, SymbolKind::Item, i.span, Some("item".into()))));
                d.children
                    .extend(ins.scores.iter().map(|s| decl(&s.name, SymbolKind::Score, s.span, Some("score".into()))));
                d.children.extend(ins.strats.iter().map(stratify));
                d.children
                    .extend(ins.defines.iter().map(|x| decl(&x.name, SymbolKind::Define, x.span, title(&x.title))));
                out.push(d);
            }
            Item::Define(x) => out.push(decl(&x.name, SymbolKind::Define, x.span, title(&x.title))),
            Item::Stratify(s) => out.push(stratify(s)),
            Item::Recommend(r) => {
                let dir = match r.direction {
                    ast::Direction::For => "recommend for",
                    ast::Direction::Against => "recommend against",
                };
                out.push(decl(&r.name, SymbolKind::Recommendation, r.span, Some(dir.into())))
            }
            Item::Pathway(p) => {
                let mut d = decl(&p.name, SymbolKind::Pathway, p.span, title(p.title.as_slice()));
                d.children = p.steps.iter().map(|s| decl(&s.name, SymbolKind::Step, s.span, title(&s.title))).collect();
                out.push(d);
            }
            Item::Test(t) => out.push(Decl {
                name: t.name.value.clone(),
                detail: Some("test".into()),
                kind: SymbolKind::Test,
                name_span: t.name.span,
                span: t.span,
                children: Vec::new(),
            }),
            Item::Allow(_) | Item::Error(_) => {}
        }
    }
    out
}

fn stratify(s: &ast::Stratify) -> Decl {
    let mut d = decl(&s.name, SymbolKind::Stratification, s.span, title(&s.title));
    d.children = s.strata.iter().map(|x| decl(&x.name, SymbolKind::Stratum, x.span, title(&x.title))).collect();
    d
}

/// Every declaration of a file, flattened.
pub fn flat(decls: &[Decl]) -> Vec<&Decl> {
    let mut out = Vec::new();
    let mut todo: Vec<&Decl> = decls.iter().rev().collect();
    while let Some(d) = todo.pop() {
        out.push(d);
        todo.extend(d.children.iter().rev());
    }
    out
}

/// What a position names: a declaration (its file and name span) and the
/// span of the name under the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub file: FileId,
    pub name: Span,
    pub at: Span,
    pub kind: Option<RefKind>,
}

fn covers(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// The declaration named at `offset` in `file`: a reference, or a
/// declaration's own name.
pub fn target_at(checked: &Checked, file: FileId, offset: u32) -> Option<Target> {
    if let Some(r) = checked.references.iter().find(|r| r.file == file && covers(r.span, offset)) {
        return Some(Target { file: r.target_file, name: r.target, at: r.span, kind: Some(r.kind) });
    }
    let decls = decls(&checked.db.file(file).ast);
    let d = flat(&decls).into_iter().find(|d| covers(d.name_span, offset) && d.kind != SymbolKind::Test)?;
    Some(Target { file, name: d.name_span, at: d.name_span, kind: None })
}

/// Every place that names the target, its declaration first.
pub fn occurrences(checked: &Checked, t: &Target) -> Vec<(FileId, Span)> {
    let mut out = vec![(t.file, t.name)];
    for r in &checked.references {
        if r.target_file == t.file && r.target == t.name && !out.contains(&(r.file, r.span)) {
            out.push((r.file, r.span));
        }
    }
    out
}

/// The language a file's texts should be shown in: its `language`.
fn language(file: &ast::File) -> Option<&str> {
    file.items.iter().find_map(|i| match i {
        Item::Guideline(g) => g.meta.iter().find_map(|m| match &m.kind {
            ast::MetaKind::Language(l) => Some(l.name.as_str()),
            _ => None,
        }),
        _ => None,
    })
}

/// Of several texts (titles in different languages), the one in `lang`,
/// else the first.
fn pick<'t>(texts: impl IntoIterator<Item = &'t ast::Text>, lang: Option<&str>) -> Option<&'t str> {
    let texts: Vec<&ast::Text> = texts.into_iter().collect();
    texts
        .iter()
        .find(|t| t.lang.as_ref().map(|l| l.name.as_str()) == lang && lang.is_some())
        .or(texts.first())
        .map(|t| t.value.as_str())
}

/// Markdown as plain text, for clients that show hovers verbatim: no
/// emphasis, no backticks, code blocks as their lines.
pub fn plain(markdown: &str) -> String {
    markdown
        .lines()
        .filter(|l| !l.starts_with("```"))
        .map(|l| l.replace("**", "").replace('`', ""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Markdown describing the declaration whose name is at `name` in `file`,
/// with texts in the language of the file being read (`reader`).
pub fn describe(file: &SourceFile, name: Span, reader: &ast::File) -> Option<String> {
    let lang = language(reader).or_else(|| language(&file.ast));
    let src = |s: Span| s.text(&file.text).to_string();
    let code = |s: String| format!("\n```guidepath\n{s}\n```");
    let line = |head: String, text: Option<&str>| match text {
        Some(t) => format!("{head} — {t}"),
        None => head,
    };
    // Definitions and scores: heading, title, and the formula as written.
    let formula = |kind: &str, name: String, title: &[ast::Text], expr: &ast::Expr| {
        format!("{}{}", line(format!("**{kind}** `{name}`"), pick(title.iter(), lang)), code(src(expr.span)))
    };
    for item in &file.ast.items {
        match item {
            Item::Input(block) => {
                for f in &block.fields {
                    if f.name.span == name {
                        let mut s = format!("**input** `{}` : `{}`", f.name.name, src(f.ty.span));
                        if let Some(r) = &f.range {
                            s.push_str(&format!(" in `{}`", src(r.span)));
                        }
                        if let Some(p) = f.presence {
                            s.push_str(match p {
                                ast::Presence::Required => ", required",
                                ast::Presence::Optional => ", optional",
                            });
                        }
                        if let Some(d) = pick(&f.description, lang) {
                            s.push_str(&format!("\n\n{d}"));
                        }
                        if let Some(from) = &f.from {
                            s.push_str(&format!("\n\nread from `{}`", from.dotted()));
                        }
                        s.push_str(&codes(&f.codes));
                        return Some(s);
                    }
                }
            }
            Item::Enum(e) if e.name.span == name => {
                let values: Vec<String> =
                    e.values.iter().map(|v| format!("`{}`{}", v.name.name, inline_codes(&v.codes))).collect();
                return Some(format!(
                    "{}\n\nvalues: {}",
                    line(format!("**enum** `{}`", e.name.name), pick(e.title.iter(), lang)),
                    values.join(", ")
                ));
            }
            Item::Define(d) if d.name.span == name => {
                return Some(formula("definition", d.name.name.clone(), &d.title, &d.expr) + &sourced(&[&d.provenance]))
            }
            Item::Stratify(s) if s.name.span == name => {
                return Some(describe_strat(s, None, &src, lang) + &sourced(&[&s.provenance]))
            }
            Item::Stratify(s) => {
                if let Some(d) = describe_stratum(s, None, name, &src, lang) {
                    return Some(d + &stratum_sourced(s, name));
                }
            }
            Item::Recommend(r) if r.name.span == name => {
                let dir = match r.direction {
                    ast::Direction::For => "for",
                    ast::Direction::Against => "against",
                };
                let mut s = line(format!("**recommendation {dir}** `{}`", r.name.name), pick(r.title.iter(), lang));
                for e in &r.entries {
                    match &e.kind {
                        ast::RecEntryKind::When(w) => s.push_str(&code(format!("when {}", src(w.span)))),
                        ast::RecEntryKind::Strength(x) => s.push_str(&format!("\n\nstrength `{}`", x.name)),
                        ast::RecEntryKind::Action(x) => s.push_str(&format!("\n\naction `{}`", x.name)),
                        _ => {}
                    }
                }
                s.push_str(&sourced(&[&r.provenance]));
                return Some(s);
            }
            Item::Pathway(p) => {
                if p.name.span == name {
                    let steps: Vec<String> = p.steps.iter().map(|s| format!("`{}`", s.name.name)).collect();
                    let head = line(format!("**pathway** `{}`", p.name.name), pick(p.title.iter(), lang));
                    return Some(format!("{head}\n\nsteps: {}{}", steps.join(" → "), sourced(&[&p.provenance])));
                }
                for st in &p.steps {
                    if st.name.span == name {
                        let mut s = line(
                            format!("**step** `{}` of `{}`", st.name.name, p.name.name),
                            pick(st.title.iter(), lang),
                        );
                        for l in &st.limits {
                            s.push_str(&format!("\n\n{}", src(l.span)));
                        }
                        for r in &st.responsible {
                            s.push_str(&format!("\n\nresponsible: {}", r.value));
                        }
                        let limit = st.limits.first().map(|l| &l.provenance);
                        s.push_str(&sourced(&[limit.unwrap_or(&st.provenance), &st.provenance, &p.provenance]));
                        return Some(s);
                    }
                }
            }
            Item::Instrument(ins) => {
                if ins.name.span == name {
                    let head = line(format!("**instrument** `{}`", ins.name.name), pick(ins.title.iter(), lang));
                    let items: Vec<String> = ins.items.iter().map(|i| format!("`{}`", i.name.name)).collect();
                    let scores: Vec<String> = ins.scores.iter().map(|i| format!("`{}`", i.name.name)).collect();
                    return Some(format!(
                        "{head}\n\nitems: {}\n\nscores: {}{}",
                        items.join(", "),
                        scores.join(", "),
                        codes(&ins.codes)
                    ));
                }
                for it in &ins.items {
                    if it.name.span == name {
                        let ty = match &it.ty {
                            ast::ItemType::Boolean(_) => "boolean (1 point for true)".to_string(),
                            ast::ItemType::Integer(r) => format!("integer in {}", src(r.span)),
                            ast::ItemType::Choice(opts, _) => {
                                let o: Vec<String> = opts
                                    .iter()
                                    .map(|o| format!("`{}` = {}{}", o.name.name, o.points.text, inline_codes(&o.codes)))
                                    .collect();
                                format!("choice: {}", o.join(", "))
                            }
                        };
                        let rev = if it.reverse.is_some() { ", reverse scored" } else { "" };
                        let head = format!("**item** `{}.{}` : {ty}{rev}", ins.name.name, it.name.name);
                        return Some(format!("{}{}", line(head, pick(it.texts.iter(), lang)), codes(&it.codes)));
                    }
                }
                if let Some(sc) = ins.scores.iter().find(|x| x.name.span == name) {
                    let f = formula("score", qualified(Some(&ins.name.name), &sc.name), &sc.title, &sc.expr);
                    return Some(format!("{f}{}{}", codes(&sc.codes), sourced(&[&sc.provenance])));
                }
                for s in &ins.strats {
                    if s.name.span == name {
                        return Some(describe_strat(s, Some(&ins.name.name), &src, lang) + &sourced(&[&s.provenance]));
                    }
                    if let Some(d) = describe_stratum(s, Some(&ins.name.name), name, &src, lang) {
                        return Some(d + &stratum_sourced(s, name));
                    }
                }
                if let Some(d) = ins.defines.iter().find(|x| x.name.span == name) {
                    let f = formula("definition", qualified(Some(&ins.name.name), &d.name), &d.title, &d.expr);
                    return Some(f + &sourced(&[&d.provenance]));
                }
            }
            _ => {}
        }
    }
    None
}

/// A name as written from outside its instrument: `start_back.total`.
fn qualified(owner: Option<&str>, name: &ast::Ident) -> String {
    match owner {
        Some(o) => format!("{o}.{}", name.name),
        None => name.name.clone(),
    }
}

/// A stratum, when `name` is one: its condition and title.
fn describe_stratum(
    s: &ast::Stratify,
    owner: Option<&str>,
    name: Span,
    src: &dyn Fn(Span) -> String,
    lang: Option<&str>,
) -> Option<String> {
    let st = s.strata.iter().find(|x| x.name.span == name)?;
    let mut out = format!("**stratum** `{}` of `{}`", st.name.name, qualified(owner, &s.name));
    if let Some(t) = pick(st.title.iter(), lang) {
        out.push_str(&format!(" — {t}"));
    }
    out.push_str(&format!("\n```guidepath\nwhen {}\n```", src(st.when.span)));
    out.push_str(&codes(&st.codes));
    Some(out)
}

fn describe_strat(s: &ast::Stratify, owner: Option<&str>, src: &dyn Fn(Span) -> String, lang: Option<&str>) -> String {
    let mut out = format!("**stratification** `{}`", qualified(owner, &s.name));
    if let Some(t) = pick(s.title.iter(), lang) {
        out.push_str(&format!(" — {t}"));
    }
    if let Some(p) = &s.population {
        out.push_str(&format!(" of `{}`", p.dotted()));
    }
    out.push_str("\n```guidepath\n");
    for st in &s.strata {
        out.push_str(&format!("{} when {}\n", st.name.name, src(st.when.span)));
    }
    out.push_str("```");
    out.push_str(&codes(&s.codes));
    out
}

/// A name's codes as a paragraph of hover text (empty when it has none).
fn codes(list: &[ast::CodeRef]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = list.iter().map(|c| format!("`{}`", show_code(c))).collect();
    format!("\n\ncode{}: {}", if list.len() == 1 { "" } else { "s" }, shown.join(", "))
}

/// Codes after a value in a list: ` (loinc LA9194-7)`.
fn inline_codes(list: &[ast::CodeRef]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = list.iter().map(show_code).collect();
    format!(" ({})", shown.join(", "))
}

fn show_code(c: &ast::CodeRef) -> String {
    match &c.system {
        ast::CodeSystemRef::Named(i) => format!("{} {}", i.name, c.code.value),
        ast::CodeSystemRef::Url(u) => format!("{} {}", u.value, c.code.value),
    }
}

/// The names a position may complete to, in scope of `file`.
pub fn names_in_scope(checked: &Checked, file: FileId) -> Vec<(String, SymbolKind)> {
    let mut out: Vec<(String, SymbolKind)> = Vec::new();
    for d in decls(&checked.db.file(file).ast) {
        if d.kind == SymbolKind::Test || d.kind == SymbolKind::Guideline {
            continue;
        }
        out.push((d.name.clone(), d.kind));
    }
    // Instruments of used files, by their own names.
    for r in checked.references.iter().filter(|r| r.file == file && r.kind == RefKind::Instrument) {
        let text = r.span.text(&checked.db.file(file).text).to_string();
        if !out.iter().any(|(n, _)| *n == text) {
            out.push((text, SymbolKind::Instrument));
        }
    }
    out
}

/// Members after `owner.`: an instrument's items, scores, stratifications
/// and definitions, or the declarations of a used file.
pub fn members(checked: &Checked, target: &Target) -> Vec<(String, SymbolKind)> {
    let file = checked.db.file(target.file);
    match target.kind {
        Some(RefKind::Module) => decls(&file.ast)
            .into_iter()
            .filter(|d| !matches!(d.kind, SymbolKind::Test | SymbolKind::Guideline | SymbolKind::Use))
            .map(|d| (d.name, d.kind))
            .collect(),
        Some(RefKind::Instrument) | None => decls(&file.ast)
            .into_iter()
            .find(|d| d.name_span == target.name && d.kind == SymbolKind::Instrument)
            .map(|d| d.children.into_iter().map(|c| (c.name, c.kind)).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The values after `name is`: a stratification's strata or an enum
/// input's values.
pub fn values(checked: &Checked, target: &Target) -> Vec<String> {
    let file = checked.db.file(target.file);
    let all = decls(&file.ast);
    let flat = flat(&all);
    if let Some(d) = flat
        .iter()
        .find(|d| d.name_span == target.name && matches!(d.kind, SymbolKind::Enum | SymbolKind::Stratification))
    {
        return d.children.iter().map(|c| c.name.clone()).collect();
    }
    // An input of an enum type (or set of one): the enum's values, wherever
    // it is declared.
    let ty_name = file.ast.items.iter().find_map(|i| match i {
        Item::Input(b) => b.fields.iter().find(|f| f.name.span == target.name).map(|f| match &f.ty.name {
            ast::TypeName::Named(n) | ast::TypeName::SetOf(n) => n.name.clone(),
        }),
        _ => None,
    });
    let Some(ty) = ty_name else { return Vec::new() };
    for f in &checked.db.files {
        for i in &f.ast.items {
            if let Item::Enum(e) = i {
                if e.name.name == ty {
                    return e.values.iter().map(|v| v.name.name.clone()).collect();
                }
            }
        }
    }
    Vec::new()
}

/// A rule's source for a hover: the first of `chain` that is given (its
/// own, then what it inherits), its quotes as block quotes with where they
/// stand, and its assumptions, said as such.
fn sourced(chain: &[&ast::Provenance]) -> String {
    // None given: W0705 says so where it matters.
    let Some(p) = chain.iter().find(|p| !p.is_empty()) else { return String::new() };
    let mut s = String::new();
    for q in &p.quotes {
        s.push_str(&format!("\n\n> {}", q.text.value));
        if let Some(at) = &q.at {
            s.push_str(&format!("\n>\n> — {}", at.value));
        }
    }
    for a in &p.assumptions {
        s.push_str(&format!("\n\n**assumed:** {}", a.text.value));
    }
    s
}

/// The source of the stratum of `s` named at `name`.
fn stratum_sourced(s: &ast::Stratify, name: Span) -> String {
    match s.strata.iter().find(|st| st.name.span == name) {
        Some(st) => sourced(&[&st.provenance, &s.provenance]),
        None => String::new(),
    }
}
