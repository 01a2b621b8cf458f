//! Expressions written back in the language's syntax, for messages and
//! explanations.

use crate::artifact::{Artifact, Expr, NodeKind, SetOp};

/// How deep a written expression goes before the rest is `…`.
const MAX_SHOWN_DEPTH: usize = 32;

/// A number as the language writes it: `3`, `2.5`.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl Artifact {
    /// Sets the text of every labelled condition's place to its condition
    /// rebuilt from the rules, and clears every other place's text. The
    /// texts that explanations show are not part of the content hash
    /// (`source` is not), so they are never taken from a stored artifact:
    /// the compiler writes them this way, and the evaluator derives them
    /// again from whatever it is given. A text cannot then say
    /// `linton_score <= 49` of a rule that evaluates `<= 50`.
    pub fn derive_texts(&mut self) {
        for place in &mut self.source.places {
            place.text.clear();
        }
        let mut texts: Vec<(usize, String)> = Vec::new();
        let mut todo = self.rule_exprs();
        while let Some(e) = todo.pop() {
            if let Expr::Labeled { at, expr } = e {
                texts.push((*at as usize, self.show(expr)));
            }
            e.push_children(&mut todo);
        }
        for (at, text) in texts {
            if let Some(place) = self.source.places.get_mut(at) {
                place.text = text;
            }
        }
    }

    /// `e` in the language's syntax: a labelled condition as written,
    /// anything else rebuilt from the rules.
    pub fn show(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.show_into(e, 0, &mut out);
        out
    }

    fn show_into(&self, e: &Expr, depth: usize, out: &mut String) {
        if depth > MAX_SHOWN_DEPTH {
            out.push('…');
            return;
        }
        let d = depth + 1;
        // An operand that is itself `and`/`or` is bracketed.
        let operand = |x: &Expr, out: &mut String| {
            let inner = match x {
                Expr::Labeled { expr, at } if self.place_text(*at).is_empty() => expr,
                other => other,
            };
            if matches!(inner, Expr::And(_) | Expr::Or(_)) {
                out.push('(');
                self.show_into(x, d, out);
                out.push(')');
            } else {
                self.show_into(x, d, out);
            }
        };
        match e {
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Quantity { value, unit } => {
                out.push_str(&number(*value));
                if let Some(u) = unit {
                    out.push(' ');
                    out.push_str(u.name_after(*value));
                }
            }
            Expr::Date(days) => out.push_str(&crate::calendar::format_date(*days)),
            Expr::Text(t) => {
                out.push('"');
                out.push_str(t);
                out.push('"');
            }
            Expr::Input(i) | Expr::Points(i) => {
                out.push_str(self.inputs.get(*i as usize).map_or("?", |x| x.path.as_str()))
            }
            Expr::Node(n) => out.push_str(self.nodes.get(*n as usize).map_or("?", |x| x.id.as_str())),
            Expr::Not(x) => {
                out.push_str("not ");
                operand(x, out);
            }
            Expr::And(xs) | Expr::Or(xs) => {
                let word = if matches!(e, Expr::And(_)) { " and " } else { " or " };
                for (k, x) in xs.iter().enumerate() {
                    if k > 0 {
                        out.push_str(word);
                    }
                    operand(x, out);
                }
            }
            Expr::Compare { op, lhs, rhs } => {
                self.show_into(lhs, d, out);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                self.show_into(rhs, d, out);
            }
            Expr::InRange { expr, lo, hi, unit, negated } => {
                self.show_into(expr, d, out);
                out.push_str(if *negated { " not in " } else { " in " });
                out.push_str(&format!("{}..{}", number(*lo), number(*hi)));
                if let Some(u) = unit {
                    out.push(' ');
                    out.push_str(u.name());
                }
            }
            Expr::InStratum { node, stratum, negated } => {
                let (id, name) = match self.nodes.get(*node as usize) {
                    Some(n) => match &n.kind {
                        NodeKind::Stratify { strata, .. } => {
                            (n.id.as_str(), strata.get(*stratum as usize).map_or("?", |s| s.name.as_str()))
                        }
                        _ => (n.id.as_str(), "?"),
                    },
                    None => ("?", "?"),
                };
                out.push_str(&format!("{id} is {}{name}", if *negated { "not " } else { "" }));
            }
            Expr::IsValue { expr, value, negated } => {
                self.show_into(expr, d, out);
                out.push_str(&format!(" is {}{value}", if *negated { "not " } else { "" }));
            }
            Expr::SetTest { expr, op, values, .. } => {
                self.show_into(expr, d, out);
                let word = match op {
                    SetOp::AnyOf => "any",
                    SetOp::AllOf => "all",
                    SetOp::NoneOf => "none",
                };
                out.push_str(&format!(" {word} of {{ {} }}", values.join(", ")));
            }
            Expr::Sum { terms } => {
                for (k, (plus, t)) in terms.iter().enumerate() {
                    if k > 0 {
                        out.push_str(if *plus { " + " } else { " - " });
                    } else if !plus {
                        out.push('-');
                    }
                    self.show_into(t, d, out);
                }
            }
            Expr::Labeled { at, expr } => match self.place_text(*at) {
                "" => self.show_into(expr, d, out),
                text => out.push_str(text),
            },
        }
    }
}
