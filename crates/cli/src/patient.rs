//! Patient data from files and standard input: JSON or YAML, each read as
//! itself only, within bounds.

use guidepath_eval::{BindError, Bound, Evaluator, InputError};
use std::path::Path;

/// Largest patient record read, in bytes (a file, standard input, or one
/// NDJSON line).
pub const MAX_PATIENT_BYTES: usize = 16 << 20;

/// Deepest nesting of patient data. Data nests by instrument (`{"start_back":
/// {"q1": true}}`); this leaves room and keeps deep input fast to refuse.
pub const MAX_PATIENT_DEPTH: usize = guidepath_eval::MAX_PATIENT_DEPTH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

impl Syntax {
    /// By the file's extension: `.json` is JSON, `.yaml`/`.yml` YAML;
    /// otherwise (standard input, other names) by the first character that
    /// is not white space: `{` or `[` is JSON, anything else YAML.
    pub fn of(path: Option<&Path>, text: &str) -> Syntax {
        match path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some("json") => Syntax::Json,
            Some("yaml" | "yml") => Syntax::Yaml,
            _ => match text.trim_start_matches('\u{feff}').trim_start().as_bytes().first() {
                Some(b'{' | b'[') => Syntax::Json,
                _ => Syntax::Yaml,
            },
        }
    }

    fn name(self) -> &'static str {
        match self {
            Syntax::Json => "JSON",
            Syntax::Yaml => "YAML",
        }
    }
}

/// What reading one patient found wrong.
pub enum Problem {
    /// Not JSON or YAML, too large or too deep (the message says which).
    Syntax(String),
    /// Values that do not fit their fields (and, when strict, unknown and
    /// missing required fields).
    Data(Vec<BindError>),
}

/// One patient bound, with the fields the guideline does not read.
pub struct Read {
    pub bound: Bound,
    pub unknown: Vec<String>,
}

/// Reads one patient's data. With `strict`, fields the guideline does not
/// read and `required` fields that are missing are errors. `id` is the
/// field that names the record (`--id`), which is not the guideline's to read.
pub fn read(ev: &Evaluator, text: &str, syntax: Syntax, strict: bool, id: Option<&str>) -> Result<Read, Problem> {
    if text.len() > MAX_PATIENT_BYTES {
        return Err(Problem::Syntax(format!("patient data is larger than {} MiB", MAX_PATIENT_BYTES >> 20)));
    }
    let mut unknown = Vec::new();
    let bound = match syntax {
        Syntax::Json => {
            let text = text.trim_start_matches('\u{feff}');
            // The one-pass reader refuses deep text itself; only what it
            // leaves is scanned for depth before the thorough reader.
            match ev.bind_str_quick(text, &mut unknown) {
                Some(bound) => bound,
                None => {
                    if guidepath_ir::depth::deeper_than(text, MAX_PATIENT_DEPTH) {
                        return Err(Problem::Syntax(format!(
                            "patient data is nested deeper than {MAX_PATIENT_DEPTH} levels"
                        )));
                    }
                    ev.bind_str_thorough(text, &mut unknown).map_err(|e| match e {
                        InputError::Json(m) => Problem::Syntax(format!("not JSON: {m}")),
                        InputError::Data(errors) => Problem::Data(errors),
                    })?
                }
            }
        }
        Syntax::Yaml => {
            // A YAML reader's time grows with the square of the nesting of
            // `[` and `{`: refuse deep text before it reads.
            if guidepath_ir::depth::max_depth_yaml(text) > MAX_PATIENT_DEPTH {
                return Err(Problem::Syntax(format!("patient data is nested deeper than {MAX_PATIENT_DEPTH} levels")));
            }
            let (value, repeated) = guidepath_ir::json::from_deserializer(serde_yaml::Deserializer::from_str(text))
                .map_err(|e| Problem::Syntax(format!("not {}: {e}", Syntax::Yaml.name())))?;
            if !repeated.is_empty() {
                return Err(Problem::Data(repeated.into_iter().map(BindError::repeated).collect()));
            }
            let bound = ev.bind(&value).map_err(Problem::Data)?;
            unknown = ev.unknown_fields(&value);
            bound
        }
    };
    if let Some(id) = id {
        unknown.retain(|f| f != id);
    }
    if strict {
        let mut errors: Vec<BindError> = unknown
            .iter()
            .map(|p| BindError { path: p.clone(), message: "not a field of this guideline".into() })
            .collect();
        errors.extend(
            ev.missing_required(&bound)
                .into_iter()
                .map(|p| BindError { path: p.to_string(), message: "required and missing".into() }),
        );
        if !errors.is_empty() {
            return Err(Problem::Data(errors));
        }
    }
    Ok(Read { bound, unknown })
}

/// "`ag` is not a field of `se.skane.mms`; it is ignored (did you mean `age`?)"
pub fn unknown_warning(ev: &Evaluator, field: &str) -> String {
    let art = ev.artifact();
    let names: Vec<&str> = art.inputs.iter().map(|i| i.path.as_str()).collect();
    let hint = guidepath_check::suggest(field, names.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    format!("`{field}` is not a field of `{}`; it is ignored{hint}", art.guideline.id)
}
