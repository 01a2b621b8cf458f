//! The library's ELM written back as CQL, for people to read beside it.
//! The ELM is what runs; this text says the same in CQL's syntax, one
//! `define` per statement.

use crate::library::{Built, AT};
use serde_json::Value as J;

pub(crate) fn text(name: &str, version: &str, built: &Built) -> String {
    let mut out = format!(
        "library {name} version '{version}'\n\nusing FHIR version '4.0.1'\n\nparameter \"{AT}\" Date default Today()\n\ncontext Patient\n"
    );
    for f in &built.functions {
        let operands: Vec<String> = f["operand"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| format!("{} {}", o["name"].as_str().unwrap_or(""), type_name(&o["operandTypeSpecifier"])))
            .collect();
        out.push_str(&format!(
            "\ndefine function {}({}):\n  {}\n",
            f["name"].as_str().unwrap_or(""),
            operands.join(", "),
            expr(&f["expression"])
        ));
    }
    for (n, e) in &built.defs {
        out.push_str(&format!("\ndefine {}:\n  {}\n", ident(n), expr(e)));
    }
    out
}

fn type_name(t: &J) -> String {
    let n = t["name"].as_str().unwrap_or("");
    n.rsplit('}').next().unwrap_or(n).to_string()
}

/// A name as a CQL identifier: quoted unless it is a plain word.
fn ident(n: &str) -> String {
    if !n.is_empty()
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.starts_with(|c: char| c.is_ascii_digit())
    {
        n.to_string()
    } else {
        format!("\"{}\"", n.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn ops(e: &J) -> Vec<&J> {
    match &e["operand"] {
        J::Array(a) => a.iter().collect(),
        J::Null => Vec::new(),
        one => vec![one],
    }
}

fn infix(e: &J, op: &str) -> String {
    let o = ops(e);
    let parts: Vec<String> = o.iter().map(|x| expr(x)).collect();
    format!("({})", parts.join(&format!(" {op} ")))
}

fn expr(e: &J) -> String {
    let kind = e["type"].as_str().unwrap_or("");
    let o = ops(e);
    let one = || o.first().map_or(String::new(), |x| expr(x));
    match kind {
        "Literal" => {
            let v = e["value"].as_str().unwrap_or("");
            if e["valueType"].as_str().is_some_and(|t| t.ends_with("String")) {
                quote(v)
            } else {
                v.to_string()
            }
        }
        "Null" => "null".into(),
        "Today" => "Today()".into(),
        "Date" => format!("Date({}, {}, {})", expr(&e["year"]), expr(&e["month"]), expr(&e["day"])),
        "Quantity" => format!("{} {}", e["value"], e["unit"].as_str().unwrap_or("")),
        "Not" => format!("not ({})", one()),
        "And" => infix(e, "and"),
        "Or" => infix(e, "or"),
        "Equal" => infix(e, "="),
        "NotEqual" => infix(e, "!="),
        "Less" => infix(e, "<"),
        "LessOrEqual" => infix(e, "<="),
        "Greater" => infix(e, ">"),
        "GreaterOrEqual" => infix(e, ">="),
        "Add" => infix(e, "+"),
        "Subtract" => infix(e, "-"),
        "Multiply" => infix(e, "*"),
        "TruncatedDivide" => infix(e, "div"),
        "Modulo" => infix(e, "mod"),
        "In" => infix(e, "in"),
        "Negate" => format!("-({})", one()),
        "IsNull" => format!("({} is null)", one()),
        "If" => format!("if {} then {} else {}", expr(&e["condition"]), expr(&e["then"]), expr(&e["else"])),
        "Case" => {
            let mut s = String::from("case");
            for item in e["caseItem"].as_array().into_iter().flatten() {
                s.push_str(&format!(" when {} then {}", expr(&item["when"]), expr(&item["then"])));
            }
            format!("{s} else {} end", expr(&e["else"]))
        }
        "ExpressionRef" | "ParameterRef" | "OperandRef" | "AliasRef" => ident(e["name"].as_str().unwrap_or("")),
        "FunctionRef" => {
            let args: Vec<String> = o.iter().map(|x| expr(x)).collect();
            format!("{}({})", e["name"].as_str().unwrap_or(""), args.join(", "))
        }
        "List" => {
            let items: Vec<String> = e["element"].as_array().into_iter().flatten().map(expr).collect();
            format!("{{ {} }}", items.join(", "))
        }
        "Property" => {
            let base = match e["scope"].as_str() {
                Some(s) => s.to_string(),
                None => format!("({})", expr(&e["source"])),
            };
            format!("{base}.{}", e["path"].as_str().unwrap_or(""))
        }
        "Retrieve" => {
            let t = e["dataType"].as_str().unwrap_or("");
            format!("[{}]", t.rsplit('}').next().unwrap_or(t))
        }
        "Query" => {
            let src = &e["source"][0];
            let mut s = format!("(({}) {}", expr(&src["expression"]), src["alias"].as_str().unwrap_or(""));
            if !e["where"].is_null() {
                s.push_str(&format!(" where {}", expr(&e["where"])));
            }
            if !e["return"].is_null() {
                s.push_str(&format!(" return all {}", expr(&e["return"]["expression"])));
            }
            s.push(')');
            s
        }
        "Is" => format!("({} is FHIR.{})", one(), type_name(&e["isTypeSpecifier"])),
        "As" => format!("({} as FHIR.{})", one(), type_name(&e["asTypeSpecifier"])),
        "DateTimeComponentFrom" => format!("({} from {})", e["precision"].as_str().unwrap_or("").to_lowercase(), one()),
        "DurationBetween" => {
            format!(
                "(days between {} and {})",
                expr(o.first().copied().unwrap_or(&J::Null)),
                expr(o.get(1).copied().unwrap_or(&J::Null))
            )
        }
        "DateFrom" => format!("(date from {})", one()),
        // CQL's list operators are words before their operand.
        "SingletonFrom" => format!("(singleton from {})", one()),
        "Flatten" => format!("(flatten {})", one()),
        "Distinct" => format!("(distinct {})", one()),
        "Exists" => format!("(exists {})", one()),
        "Count" | "First" | "Min" | "Max" | "AnyTrue" => format!("{kind}({})", expr(&e["source"])),
        "Indexer" => format!("({})[{}]", one(), o.get(1).map_or(String::new(), |x| expr(x))),
        _ => {
            let args: Vec<String> = o.iter().map(|x| expr(x)).collect();
            format!("{kind}({})", args.join(", "))
        }
    }
}
