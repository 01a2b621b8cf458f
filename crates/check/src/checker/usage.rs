//! Pass 3, whole-program facts: dependency cycles among definitions and
//! unused declarations.

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn cycles(&mut self) {
        let keys: Vec<Key> = self.deps.keys().copied().collect();
        let index: HashMap<Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let adj: Vec<Vec<usize>> = keys
            .iter()
            .map(|k| self.deps.get(k).map_or(Vec::new(), |v| v.iter().filter_map(|t| index.get(t).copied()).collect()))
            .collect();
        for comp in graph::cycles(&adj) {
            // Report at the first member (in file order); name the others.
            let members: Vec<Key> = comp.iter().map(|i| keys[*i]).collect();
            let Some(&start) = members.first() else { continue };
            let Some((name, span)) = self.dep_names.get(&start).cloned() else { continue };
            let others: Vec<String> = members[1..]
                .iter()
                .take(5)
                .filter_map(|k| self.dep_names.get(k).map(|n| format!("`{}`", n.0)))
                .collect();
            let message = if others.is_empty() {
                format!("`{name}` depends on itself")
            } else {
                let more = if members.len() > 6 { format!(" and {} more", members.len() - 6) } else { String::new() };
                format!("`{name}` depends on itself through {}{more}", others.join(", "))
            };
            let mut d = Diagnostic::new(Code::Cycle, span, message)
                .label("part of a cycle")
                .help("a definition cannot use itself, directly or through others; break the cycle");
            for k in members[1..].iter().take(5) {
                if k.0 == start.0 {
                    if let Some((n, s)) = self.dep_names.get(k) {
                        d = d.related(*s, format!("`{n}` is in the cycle"));
                    }
                }
            }
            self.report(start.0, d);
        }
    }

    /// Unused, declared once (a duplicate is reported as such), and not
    /// the suggestion for a misspelling.
    pub(super) fn reportable_unused(&self, f: FileId, name: &ast::Ident) -> bool {
        let key = (f, name.span.start);
        !self.used.contains(&key)
            && self.modules[f].names.get(name.name.as_str()).is_some_and(|e| e.key() == key)
            && !self.suggested.contains(&(f, name.name.clone()))
    }

    /// W0701. Not for a file with a syntax error, nor for one that a file
    /// with a syntax error uses: what did not parse may be what uses a
    /// name, and the warning would be one more error that is not one. (By
    /// files that use each other, so a check of a file's group says what a
    /// check of everything says.)
    pub(super) fn unused(&mut self) {
        let db = self.db;
        let mut spared: Vec<bool> = db.files.iter().map(|f| !f.syntax.is_empty()).collect();
        for g in (0..db.files.len()).filter(|&g| !db.files[g].syntax.is_empty()) {
            for f in self.modules[g].imports.iter().filter_map(|i| i.file) {
                spared[f] = true;
            }
        }
        for f in (0..db.files.len()).filter(|&f| !spared[f]) {
            for item in &db.files[f].ast.items {
                match item {
                    ast::Item::Define(d) if self.reportable_unused(f, &d.name) => {
                        let d = Diagnostic::new(
                            Code::Unused,
                            d.name.span,
                            format!("definition `{}` is never used", d.name.name),
                        )
                        .label("unused")
                        .help("use it in a rule, or remove it");
                        self.report(f, d);
                    }
                    ast::Item::Input(block) => {
                        for field in &block.fields {
                            let broken =
                                matches!(self.modules[f].input_types.get(&field.name.span.start), Some(Ty::Error));
                            if !broken && self.reportable_unused(f, &field.name) {
                                let d = Diagnostic::new(
                                    Code::Unused,
                                    field.name.span,
                                    format!("input `{}` is never used", field.name.name),
                                )
                                .label("unused")
                                .help("use it in a rule or pathway, or remove it");
                                self.report(f, d);
                            }
                        }
                    }
                    _ => {}
                }
            }
            let unused: Vec<(String, Span)> = self.modules[f]
                .imports
                .iter()
                .enumerate()
                .filter(|(i, imp)| imp.file.is_some() && !self.used_imports.contains(&(f, *i)))
                .map(|(_, imp)| (imp.alias.clone(), imp.alias_span))
                .collect();
            for (alias, span) in unused {
                self.report(
                    f,
                    Diagnostic::new(Code::Unused, span, format!("`use` of `{alias}` is never used"))
                        .label("unused")
                        .help("refer to something it declares, or remove the `use`"),
                );
            }
        }
    }
}
