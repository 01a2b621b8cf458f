//! Where a field is read from in FHIR R4 data: the elements a guideline may
//! name with `from`, and the codes the language checks.
//!
//! The checker refuses a `from` this table does not hold or a code that is
//! not well formed; the FHIR reader (`guidepath-fhir`) reads exactly these
//! elements. Keeping the table here, in the crate both depend on, is what
//! keeps the two in step.

use crate::artifact::{systems, Code, ValueType};
use crate::units::{TimeFamily, Unit};

/// What an element holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yields {
    /// A `date` or `dateTime`.
    Date,
    /// A `CodeableConcept`.
    Coding,
}

/// A FHIR element a field may be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    /// `Resource.element`, as written after `from`.
    pub path: &'static str,
    pub yields: Yields,
    /// Whether the field must have a `code` that says which resource
    /// (which Condition's onset).
    pub needs_code: bool,
}

/// The elements a `from` may name.
pub const ELEMENTS: &[Element] = &[
    Element { path: "Patient.birthDate", yields: Yields::Date, needs_code: false },
    Element { path: "Condition.onsetDateTime", yields: Yields::Date, needs_code: true },
    Element { path: "Condition.recordedDate", yields: Yields::Date, needs_code: true },
    Element { path: "Condition.code", yields: Yields::Coding, needs_code: false },
    Element { path: "Condition.bodySite", yields: Yields::Coding, needs_code: false },
    Element { path: "Observation.effectiveDateTime", yields: Yields::Date, needs_code: true },
    Element { path: "Procedure.performedDateTime", yields: Yields::Date, needs_code: true },
    Element { path: "ServiceRequest.authoredOn", yields: Yields::Date, needs_code: false },
    Element { path: "Encounter.period.start", yields: Yields::Date, needs_code: false },
];

pub fn element(path: &str) -> Option<&'static Element> {
    ELEMENTS.iter().find(|e| e.path == path)
}

/// Whether a field of type `ty` (with `unit`) can be read from `el`, and
/// if not, why.
pub fn accepts(el: &Element, ty: &ValueType, unit: Option<Unit>, has_code: bool) -> Result<(), String> {
    if el.needs_code && !has_code {
        let resource = el.path.split('.').next().unwrap_or(el.path);
        return Err(format!("`{}` needs a `code` on the field that says which {resource} to read", el.path));
    }
    let elapsed = matches!(ty, ValueType::Integer | ValueType::Decimal)
        && unit.and_then(|u| u.time_family()).is_some_and(|f| matches!(f, TimeFamily::Months | TimeFamily::Days));
    match el.yields {
        Yields::Date if matches!(ty, ValueType::Date | ValueType::Duration) || elapsed => Ok(()),
        Yields::Date => Err(format!(
            "`{}` is a date: it gives a date, a duration, or a number of years, months, weeks or days, not {}",
            el.path,
            type_name(ty)
        )),
        Yields::Coding if matches!(ty, ValueType::Boolean) && !has_code => Err(format!(
            "a boolean read from `{}` is true when a resource has the field's code: give the field a `code`",
            el.path
        )),
        Yields::Coding if matches!(ty, ValueType::Enum { .. } | ValueType::Set { .. } | ValueType::Boolean) => Ok(()),
        Yields::Coding => {
            Err(format!("`{}` holds codes: it gives a boolean, an enum or a set, not {}", el.path, type_name(ty)))
        }
    }
}

/// A type in words: `an integer`, `a set`.
pub fn type_name(ty: &ValueType) -> &'static str {
    match ty {
        ValueType::Boolean => "a boolean",
        ValueType::Integer => "an integer",
        ValueType::Decimal => "a decimal",
        ValueType::Date => "a date",
        ValueType::Duration => "a duration",
        ValueType::Text => "a text",
        ValueType::Enum { .. } => "an enum",
        ValueType::Set { .. } => "a set",
    }
}

/// Longest code or system URI accepted.
pub const MAX_CODE_LEN: usize = 256;

/// The code `system` and `code` as written make, or why they do not.
/// `named` is the short system name (`loinc`) or `None` for a URI.
pub fn code(named: Option<&str>, system: &str, code: &str) -> Result<Code, String> {
    if code.is_empty() || code.len() > MAX_CODE_LEN || code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{code}` is not a code: codes are 1 to {MAX_CODE_LEN} characters without spaces"));
    }
    let uri = match named {
        Some("loinc") => systems::LOINC,
        Some("snomed") => systems::SNOMED,
        Some("icd10") => systems::ICD10,
        Some(other) => {
            return Err(format!(
                "unknown code system `{other}`: the named systems are loinc, snomed and icd10; write any other as its URL in quotes"
            ))
        }
        None => {
            let ok = ["http://", "https://", "urn:oid:", "urn:uuid:"].iter().any(|p| system.starts_with(p))
                && system.len() <= MAX_CODE_LEN
                && !system.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(format!(
                    "`{system}` is not a code system URI: write one that starts with `http://`, `https://`, `urn:oid:` or `urn:uuid:`"
                ));
            }
            system
        }
    };
    match uri {
        systems::LOINC => loinc(code)?,
        systems::SNOMED => snomed(code)?,
        systems::ICD10 => icd10(code)?,
        _ => {}
    }
    Ok(Code { system: uri.to_string(), code: code.to_string() })
}

/// LOINC codes are digits, a dash and a mod-10 check digit (`91349-1`);
/// answer, list and part codes (`LA9194-7`, `LL…`, `LP…`) keep that shape
/// behind their prefix.
fn loinc(code: &str) -> Result<(), String> {
    let (body, check) = code
        .split_once('-')
        .ok_or_else(|| format!("`{code}` is not a LOINC code: it has no check digit (`91349-1`)"))?;
    let (prefix, digits) = match body.get(..2) {
        Some(p @ ("LA" | "LL" | "LP")) => (Some(p), &body[2..]),
        _ => (None, body),
    };
    let well_formed = !digits.is_empty()
        && digits.len() <= 8
        && digits.bytes().all(|b| b.is_ascii_digit())
        && check.len() == 1
        && check.bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return Err(format!(
            "`{code}` is not a LOINC code: LOINC codes are digits, a dash and a check digit (`91349-1`, `LA9194-7`)"
        ));
    }
    // Answer, list and part codes have check digits of their own scheme;
    // only the shape is checked.
    if prefix.is_none() {
        let want = loinc_check_digit(digits);
        if check.as_bytes()[0] - b'0' != want {
            return Err(format!("`{code}` is not a LOINC code: the check digit of {digits} is {want}"));
        }
    }
    Ok(())
}

/// The LOINC (mod 10, Luhn) check digit of `digits`.
pub fn loinc_check_digit(digits: &str) -> u8 {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 {
            let x = d * 2;
            x / 10 + x % 10
        } else {
            d
        };
    }
    ((10 - sum % 10) % 10) as u8
}

/// SNOMED CT concept ids: 6 to 18 digits, a partition identifier of a
/// concept (`00` or `10`) and a Verhoeff check digit.
fn snomed(code: &str) -> Result<(), String> {
    let digits = code.as_bytes();
    if !(6..=18).contains(&digits.len()) || !digits.iter().all(|b| b.is_ascii_digit()) || digits[0] == b'0' {
        return Err(format!("`{code}` is not a SNOMED CT concept id: those are 6 to 18 digits"));
    }
    let partition = &code[code.len() - 3..code.len() - 1];
    if partition != "00" && partition != "10" {
        return Err(format!(
            "`{code}` is not a SNOMED CT concept id: its partition identifier `{partition}` is not a concept's (`00` or `10`)"
        ));
    }
    if !verhoeff_valid(code) {
        return Err(format!("`{code}` is not a SNOMED CT concept id: its check digit is wrong"));
    }
    Ok(())
}

fn verhoeff_valid(digits: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, b) in digits.bytes().rev().enumerate() {
        c = D[c as usize][P[i % 8][(b - b'0') as usize] as usize];
    }
    c == 0
}

/// ICD-10 codes: a letter, two digits, and an optional dot with up to
/// four more (`M54.5`).
fn icd10(code: &str) -> Result<(), String> {
    let b = code.as_bytes();
    let head = b.len() >= 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    let tail = match &code.get(3..) {
        Some("") => true,
        Some(t) => {
            t.starts_with('.')
                && (2..=5).contains(&t.len())
                && t[1..].bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
        None => false,
    };
    if head && tail {
        Ok(())
    } else {
        Err(format!("`{code}` is not an ICD-10 code: those are a capital letter, two digits and an optional dot with more (`M54.5`)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_their_checks() {
        for c in ["91349-1", "91340-0", "91341-8", "91348-3", "91350-9", "91351-7", "91352-5", "LA9194-7"] {
            assert!(code(Some("loinc"), "", c).is_ok(), "{c}");
        }
        for c in ["279039007", "81680005", "45326000", "203082005", "82423001"] {
            assert!(code(Some("snomed"), "", c).is_ok(), "{c}");
        }
        assert!(code(Some("icd10"), "", "M54.5").is_ok());
    }

    #[test]
    fn wrong_check_digits_and_shapes_fail() {
        assert!(code(Some("loinc"), "", "91349-2").unwrap_err().contains("check digit of 91349 is 1"));
        assert!(code(Some("snomed"), "", "279039008").is_err());
        assert!(code(Some("snomed"), "", "279039017").is_err(), "partition 01 is a description id");
        assert!(code(Some("icd10"), "", "m54.5").is_err());
        assert!(code(Some("icd11"), "", "x").is_err());
        assert!(code(None, "loinc.org", "x").is_err());
        assert!(code(None, "https://example.org/cs", "a b").is_err());
    }
}
