//! Codes and FHIR bindings (`code loinc "91349-1"`, `from
//! Patient.birthDate`): well formed, not given twice, and readable.
//!
//! The rules themselves live in `guidepath_ir::binding`, which the FHIR
//! reader shares, so what the checker accepts is what the reader reads.

use super::{Checker, Ty};
use crate::db::FileId;
use crate::types::EnumTy;
use guidepath_ir as ir;
use guidepath_syntax::ast;
use guidepath_syntax::{Code, Diagnostic, Span};
use std::collections::HashMap;

/// Codes seen in one scope, with where each was first given.
type Seen = HashMap<ir::Code, Span>;

impl<'a> Checker<'a> {
    /// Checks every code and `from` in file `f`. Fields, items, scores,
    /// stratifications and the instrument share one scope (a record
    /// system finds each by its code); the answers of one list (enum
    /// values, choice options, strata) have one scope each.
    pub(super) fn codes(&mut self, f: FileId) {
        let db = self.db;
        let mut questions = Seen::new();
        for item in &db.files[f].ast.items {
            match item {
                ast::Item::Input(block) => {
                    for field in &block.fields {
                        self.code_list(f, &mut questions, &field.codes);
                        self.binding(f, field);
                    }
                }
                ast::Item::Enum(e) => {
                    let mut answers = Seen::new();
                    for v in &e.values {
                        self.code_list(f, &mut answers, &v.codes);
                    }
                }
                ast::Item::Instrument(ins) => {
                    self.code_list(f, &mut questions, &ins.codes);
                    for it in &ins.items {
                        self.code_list(f, &mut questions, &it.codes);
                        if let ast::ItemType::Choice(opts, _) = &it.ty {
                            let mut answers = Seen::new();
                            for o in opts {
                                self.code_list(f, &mut answers, &o.codes);
                            }
                        }
                    }
                    for s in &ins.scores {
                        self.code_list(f, &mut questions, &s.codes);
                    }
                    for s in &ins.strats {
                        self.strat_codes(f, &mut questions, s);
                    }
                }
                ast::Item::Stratify(s) => self.strat_codes(f, &mut questions, s),
                _ => {}
            }
        }
    }

    fn strat_codes(&mut self, f: FileId, questions: &mut Seen, s: &'a ast::Stratify) {
        self.code_list(f, questions, &s.codes);
        let mut answers = Seen::new();
        for st in &s.strata {
            self.code_list(f, &mut answers, &st.codes);
        }
    }

    fn code_list(&mut self, f: FileId, seen: &mut Seen, codes: &[ast::CodeRef]) {
        for c in codes {
            let Some(code) = self.code(f, c) else { continue };
            match seen.get(&code) {
                Some(first) => {
                    let d =
                        Diagnostic::new(Code::DuplicateCode, c.span, format!("code `{}` is given twice", code.code))
                            .label("given again here")
                            .related(*first, "first given here")
                            .help("a code names one thing, so data carrying it can be read one way only");
                    self.report(f, d);
                }
                None => {
                    seen.insert(code, c.span);
                }
            }
        }
    }

    /// The code as the artifact stores it, or `None` after reporting why
    /// it is not one.
    pub(super) fn code(&mut self, f: FileId, c: &ast::CodeRef) -> Option<ir::Code> {
        let (named, system, at) = match &c.system {
            ast::CodeSystemRef::Named(i) => (Some(i.name.as_str()), "", i.span),
            ast::CodeSystemRef::Url(t) => (None, t.value.as_str(), t.span),
        };
        match ir::binding::code(named, system, &c.code.value) {
            Ok(code) => Some(code),
            Err(msg) => {
                let unknown_system = msg.starts_with("unknown code system") || msg.contains("is not a code system URI");
                let span = if unknown_system { at } else { c.code.span };
                let mut d = Diagnostic::new(Code::InvalidCode, span, msg).label("here");
                if unknown_system {
                    d = d.help("`code loinc \"91349-1\"`, `code snomed \"279039007\"`, `code icd10 \"M54.5\"`, or `code \"https://…\" \"value\"`");
                }
                self.report(f, d);
                None
            }
        }
    }

    fn binding(&mut self, f: FileId, field: &'a ast::Field) {
        let Some(from) = &field.from else { return };
        let path = from.dotted();
        let Some(el) = ir::binding::element(&path) else {
            let known: Vec<&str> = ir::binding::ELEMENTS.iter().map(|e| e.path).collect();
            let d = Diagnostic::new(Code::InvalidBinding, from.span, format!("the FHIR reader does not read `{path}`"))
                .label("not a readable element")
                .help(format!("fields can be read from {}; without `from`, a field with a code is read from an Observation with that code", known.join(", ")));
            self.report(f, d);
            return;
        };
        let Some(ty) = self.modules[f].input_types.get(&field.name.span.start).cloned() else { return };
        if matches!(ty, Ty::Error) {
            return;
        }
        let (vt, unit, _) = super::lower::value_type(Some(ty.clone()));
        let mut problem = ir::binding::accepts(el, &vt, unit, !field.codes.is_empty()).err();
        if problem.is_none() && el.yields == ir::binding::Yields::Coding {
            if let Ty::Enum(EnumTy::Decl(e)) | Ty::Set(EnumTy::Decl(e)) = ty {
                if e.values.iter().all(|v| v.codes.is_empty()) {
                    problem = Some(format!(
                        "`{path}` holds codes, and no value of `{}` has one: give the values a `code`",
                        e.name.name
                    ));
                }
            }
        }
        if let Some(msg) = problem {
            let d = Diagnostic::new(Code::InvalidBinding, from.span, msg).label("cannot be read so");
            self.report(f, d);
        }
    }
}
