//! The diagnostics more than one pass reports, and how they write values.

use super::*;

pub(super) fn unknown_name(name: &str, span: Span, owner: Option<&str>, candidates: Vec<&str>) -> Diagnostic {
    let message = match owner {
        Some(o) => format!("`{o}` has no member `{name}`"),
        None => format!("unknown name `{name}`"),
    };
    let d = Diagnostic::new(Code::UnknownName, span, message).label("not found");
    match suggest(name, candidates.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(span, s),
        None => d.help(match owner {
            Some(o) => format!("check the members of `{o}`"),
            None => "declare it in `input { … }` or with `define`, or `use` the file that declares it".into(),
        }),
    }
}

pub(super) fn unknown_value(name: &str, span: Span, owner: &str, values: Vec<&str>) -> Diagnostic {
    let d =
        Diagnostic::new(Code::UnknownValue, span, format!("`{name}` is not a value of {owner}")).label("unknown value");
    match suggest(name, values.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(span, s),
        None => {
            let list: Vec<String> = values.iter().take(8).map(|v| format!("`{v}`")).collect();
            d.help(format!("the values are {}", list.join(", ")))
        }
    }
}

pub(super) fn unknown_step(name: &ast::Ident, p: &ast::Pathway, steps: &[&str]) -> Diagnostic {
    let d =
        Diagnostic::new(Code::UnknownName, name.span, format!("pathway `{}` has no step `{}`", p.name.name, name.name))
            .label("no such step");
    match suggest(&name.name, steps.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(name.span, s),
        None => d.help("name a step of this pathway"),
    }
}

pub(super) fn duplicate(name: &ast::Ident, prev: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::Duplicate, name.span, format!("{what} `{}` is declared twice", name.name))
        .label("declared again here")
        .related(prev, "first declared here")
        .help("remove or rename one of them")
}

pub(super) fn too_many_values(name: &ast::Ident, count: usize) -> Diagnostic {
    let max = guidepath_ir::MAX_ENUM_VALUES;
    Diagnostic::new(
        Code::TooManyValues,
        name.span,
        format!("`{}` has {count} values; at most {max} are supported", name.name),
    )
    .label("too many values")
    .help("split it into several enums, or use a text field")
}

pub(super) fn incomparable(span: Span, a: TimeFamily, b: TimeFamily) -> Diagnostic {
    Diagnostic::new(Code::IncomparableUnits, span, format!("{} cannot be compared with {} exactly", a.name(), b.name()))
        .label("different kinds of duration")
        .help("a month has 28 to 31 days: state the limit in the field's own unit (1 year = 12 months and 1 week = 7 days are exact)")
}

pub(super) fn unit_mismatch_range(r: &ast::Range, field: Option<Unit>, range: Unit) -> Diagnostic {
    let field = field.map_or("has no unit".to_string(), |u| format!("is in {u}"));
    Diagnostic::new(Code::UnitMismatch, r.span, format!("the range is in {range} but the field {field}"))
        .label("units differ")
        .help("write the range in the field's unit, or leave the unit out")
}

pub(super) fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub(super) fn fmt_interval(iv: &Interval) -> String {
    format!("`{}..{}`", fmt_num(iv.lo), fmt_num(iv.hi))
}

/// `to` named relative to the folder of `from`, the way `use` paths are
/// (`../lib/national.guide`), so that messages do not depend on where the
/// check was started.
pub(super) fn shown_path(from: &std::path::Path, to: &std::path::Path) -> String {
    let mut up = String::new();
    let mut dir = from.parent();
    while let Some(d) = dir {
        if let Ok(rest) = to.strip_prefix(d) {
            return format!("{up}{}", rest.display());
        }
        up.push_str("../");
        dir = d.parent();
    }
    to.display().to_string()
}
