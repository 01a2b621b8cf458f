//! FHIR R4 resources to the patient data the evaluator reads.
//!
//! Each field of the guideline is read from where its binding says
//! (`guidepath_ir::binding`): an element a `from` names, an Observation or a
//! QuestionnaireResponse item with one of the field's codes, or a
//! QuestionnaireResponse item whose `linkId` is the field's path. What is
//! not there stays unknown; [`route`] says where it would be read. Two
//! resources that give one field different values are an error naming
//! both, never a silent pick.

use guidepath_ir::binding::{self, Yields};
use guidepath_ir::calendar::{add_months, format_date, parse_date};
use guidepath_ir::{systems, Artifact, Code, Duration, Expr, Input, TimeFamily, Unit, ValueType};
use serde_json::{Map, Value as J};
use std::collections::{BTreeMap, HashMap};

/// Most resources read from one request.
pub const MAX_RESOURCES: usize = 10_000;
/// Deepest nesting of QuestionnaireResponse items (and of Bundles in
/// Bundles) followed.
pub const MAX_NESTING: usize = 32;
/// Deepest nesting of FHIR JSON text its readers (the CLI, the server) take
/// before parsing: Bundles, entries and nested items take two levels each.
pub const MAX_JSON_DEPTH: usize = 128;

/// Data that cannot be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirError {
    /// Where in the posted data: `entry[2].resource.item[0].answer[0]`.
    pub location: String,
    /// The guideline field it was read for, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for FhirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} (for `{field}`): {}", self.location, self.message),
            None => write!(f, "{}: {}", self.location, self.message),
        }
    }
}

impl std::error::Error for FhirError {}

fn err(location: impl Into<String>, field: Option<&str>, message: impl Into<String>) -> FhirError {
    FhirError { location: location.into(), field: field.map(str::to_string), message: message.into() }
}

/// A resource and where it was found.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    pub resource: &'a J,
    pub kind: &'a str,
    /// The resource's place in the posted data, for messages.
    pub at: &'a str,
    /// The Bundle entry's `fullUrl`, which references may name
    /// (`urn:uuid:…`).
    pub full_url: Option<&'a str>,
}

/// The resources of a Bundle (entries, and the entries of Bundles in it),
/// or a single resource, with their places. Places are owned by the
/// returned list; see [`Resources::iter`].
#[derive(Debug, Default)]
pub struct Resources<'a> {
    list: Vec<(String, &'a J, &'a str, Option<&'a str>)>,
}

impl<'a> Resources<'a> {
    /// Reads `value`, a Bundle or one resource, whose place is `at`
    /// (`""` for the top of the request).
    pub fn add(&mut self, value: &'a J, at: &str) -> Result<(), FhirError> {
        let mut todo = vec![(value, at.to_string(), 0usize, None)];
        while let Some((v, at, depth, full_url)) = todo.pop() {
            let Some(obj) = v.as_object() else {
                return Err(err(or_root(&at), None, "expected a FHIR resource (a JSON object with `resourceType`)"));
            };
            let Some(kind) = obj.get("resourceType").and_then(J::as_str) else {
                return Err(err(or_root(&at), None, "a FHIR resource needs `resourceType`"));
            };
            if kind == "Bundle" {
                if depth >= MAX_NESTING {
                    return Err(err(or_root(&at), None, format!("Bundles nested deeper than {MAX_NESTING}")));
                }
                let entries = match obj.get("entry") {
                    None => continue,
                    Some(J::Array(a)) => a,
                    Some(_) => return Err(err(join(&at, "entry"), None, "`entry` must be a list")),
                };
                for (i, e) in entries.iter().enumerate().rev() {
                    let eat = join(&at, &format!("entry[{i}]"));
                    let full_url = e.get("fullUrl").and_then(J::as_str);
                    match e.get("resource") {
                        Some(r) => todo.push((r, join(&eat, "resource"), depth + 1, full_url)),
                        None => continue,
                    }
                }
                continue;
            }
            if self.list.len() >= MAX_RESOURCES {
                return Err(err(or_root(&at), None, format!("more than {MAX_RESOURCES} resources")));
            }
            self.list.push((or_root(&at), v, kind, full_url));
        }
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = Located<'_>> {
        self.list.iter().map(|(at, r, k, u)| Located { resource: r, kind: k, at, full_url: *u })
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

fn or_root(at: &str) -> String {
    if at.is_empty() {
        "(top)".into()
    } else {
        at.to_string()
    }
}

fn join(at: &str, part: &str) -> String {
    if at.is_empty() {
        part.to_string()
    } else {
        format!("{at}.{part}")
    }
}

/// Patient data read from FHIR.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The patient data in the evaluator's format (`docs/eval.md`).
    pub patient: J,
    /// For each field read: where its value came from
    /// (`QuestionnaireResponse/sb-1 item 91340-0`).
    pub sources: BTreeMap<String, String>,
    /// Data that was there but does not decide a field (a birth date of
    /// only a year), so the field stays unknown.
    pub notes: Vec<String>,
    /// `Patient/<id>` of the Patient resource, when there is one.
    pub subject: Option<String>,
}

/// Where a field is read from, in words, for the data a result needs.
pub fn route(input: &Input, words: &guidepath_words::Words) -> String {
    let codes = || input.codes.iter().map(show_code).collect::<Vec<_>>().join(&format!(" {} ", words.or));
    if let Some(from) = &input.from {
        return if input.codes.is_empty() { from.clone() } else { format!("{from} ({} {})", words.with_code, codes()) };
    }
    if input.codes.is_empty() {
        words.item_with_link.replace("{link}", &input.path)
    } else {
        words.observation_or_item.replace("{codes}", &codes())
    }
}

/// A code as a guideline writes it: `loinc 91349-1`.
pub fn show_code(c: &Code) -> String {
    match systems::short_name(&c.system) {
        Some(s) => format!("{s} {}", c.code),
        None => format!("{}|{}", c.system, c.code),
    }
}

/// One value found for a field.
struct Found {
    value: J,
    source: String,
    at: String,
}

/// Reads the patient data `art` needs from `resources`, with ages and
/// durations counted to `at` (days since 1970-01-01). The patient is the
/// one Patient among the resources (see [`read_for`]).
pub fn read(art: &Artifact, resources: &Resources<'_>, at: i64) -> Result<Reading, Vec<FhirError>> {
    read_for(art, resources, at, None)
}

/// Like [`read`], for the patient `patient_id` (a CDS Hooks context's
/// `patientId`) when it is given. Only resources about that patient are
/// read: a Patient resource of another id, or a resource whose `subject`
/// (or `patient`) names another patient, is an error that names it; so is
/// a resource that names no patient when the patient is known, and two
/// patients when none is named.
pub fn read_for(
    art: &Artifact,
    resources: &Resources<'_>,
    at: i64,
    patient_id: Option<&str>,
) -> Result<Reading, Vec<FhirError>> {
    let mut r = Reader::new(art, at);
    let patient = match whose(resources, patient_id) {
        Ok(p) => p,
        Err(e) => return Err(vec![e]),
    };
    for res in resources.iter() {
        r.unowned = None;
        if let Some(p) = &patient {
            match p.owns(res) {
                Ok(Owner::Patient) => {}
                Ok(Owner::Nobody) => r.unowned = Some(describe(res)),
                Err(e) => {
                    r.errors.push(e);
                    continue;
                }
            }
        }
        r.resource(res);
    }
    r.unowned = None;
    r.subject = patient.map(|p| p.name());
    r.finish()
}

/// The patient whose data is read.
struct Patient<'a> {
    id: String,
    /// The `fullUrl` of its Bundle entry.
    full_url: Option<&'a str>,
}

/// Whom a resource is about, as far as it says.
enum Owner {
    Patient,
    /// It names no patient.
    Nobody,
}

/// Kinds of resource that are about a patient and that the reader reads;
/// each must name its patient.
const ABOUT_A_PATIENT: &[&str] =
    &["QuestionnaireResponse", "Observation", "Condition", "Procedure", "ServiceRequest", "Encounter"];

impl Patient<'_> {
    fn name(&self) -> String {
        format!("Patient/{}", self.id)
    }

    /// Whether a reference (`Patient/p1`, an absolute URL ending so, a
    /// version of it, or the entry's `fullUrl`) names this patient.
    fn is(&self, reference: &str) -> bool {
        let name = self.name();
        let local = reference.split("/_history/").next().unwrap_or(reference);
        local == name || local.ends_with(&format!("/{name}")) || self.full_url == Some(reference)
    }

    /// Whether the resource may be read for this patient: one about
    /// another patient is an error, whether or not the guideline reads it
    /// (the request mixes patients); one that names no patient is read
    /// only if the guideline reads nothing from it ([`Reader::push`]).
    fn owns(&self, res: Located<'_>) -> Result<Owner, FhirError> {
        if res.kind == "Patient" || !ABOUT_A_PATIENT.contains(&res.kind) {
            return Ok(Owner::Patient);
        }
        match reference(res.resource) {
            Some((element, r)) if !self.is(r) => Err(err(
                join(res.at, &format!("{element}.reference")),
                None,
                format!("{} is about `{r}`, not `{}`: post only this patient's data", describe(res), self.name()),
            )),
            Some(_) => Ok(Owner::Patient),
            None => Ok(Owner::Nobody),
        }
    }
}

/// `Kind/id`, or the kind alone.
fn describe(res: Located<'_>) -> String {
    match res.resource.get("id").and_then(J::as_str) {
        Some(id) if !id.is_empty() => format!("`{}/{id}`", res.kind),
        _ => format!("a {}", res.kind),
    }
}

/// The resource's `subject` (or `patient`) reference, with its element.
fn reference(resource: &J) -> Option<(&'static str, &str)> {
    ["subject", "patient"]
        .into_iter()
        .find_map(|k| resource.get(k).and_then(|v| v.get("reference")).and_then(J::as_str).map(|r| (k, r)))
}

/// The patient being decided: the one named, or the one Patient among the
/// resources, or the one patient the resources' subjects name.
fn whose<'r>(resources: &'r Resources<'_>, named: Option<&str>) -> Result<Option<Patient<'r>>, FhirError> {
    let mut found: Option<Patient<'r>> = None;
    for res in resources.iter().filter(|r| r.kind == "Patient") {
        let Some(id) = res.resource.get("id").and_then(J::as_str).filter(|id| !id.is_empty()) else { continue };
        let p = Patient { id: id.to_string(), full_url: res.full_url };
        if let Some(n) = named {
            if id != n {
                return Err(err(
                    res.at,
                    None,
                    format!("`Patient/{id}` is not the patient named in the request, `Patient/{n}`"),
                ));
            }
        }
        match &found {
            Some(q) if q.id != p.id => {
                return Err(err(
                    res.at,
                    None,
                    format!("two patients, `{}` and `{}`: post one patient's data at a time", q.name(), p.name()),
                ))
            }
            Some(_) => {}
            None => found = Some(p),
        }
    }
    if let Some(n) = named {
        let full_url = found.and_then(|p| p.full_url);
        return Ok(Some(Patient { id: n.to_string(), full_url }));
    }
    if found.is_some() {
        return Ok(found);
    }
    // No Patient resource: the resources' subjects must agree.
    let mut subject: Option<&str> = None;
    for res in resources.iter().filter(|r| ABOUT_A_PATIENT.contains(&r.kind)) {
        let Some((element, r)) = reference(res.resource) else { continue };
        match subject {
            Some(s) if s != r => {
                return Err(err(
                    join(res.at, &format!("{element}.reference")),
                    None,
                    format!("two patients, `{s}` and `{r}`: post one patient's data at a time"),
                ))
            }
            Some(_) => {}
            None => subject = Some(r),
        }
    }
    Ok(None)
}

struct Reader<'a> {
    art: &'a Artifact,
    at: i64,
    /// Inputs by (system, code), for Observations and coded items.
    by_code: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// Inputs by linkId: their path and the values of their codes.
    by_link: HashMap<&'a str, Vec<usize>>,
    found: Vec<Vec<Found>>,
    errors: Vec<FhirError>,
    notes: Vec<String>,
    subject: Option<String>,
    /// While a resource that names no patient is read (the patient being
    /// known): the resource, so that any value it gives is an error.
    unowned: Option<String>,
    /// Per input, the duration families the guideline compares it with;
    /// worked out once, for guidelines that read a duration from a date.
    families: Vec<(bool, bool)>,
}

impl<'a> Reader<'a> {
    fn new(art: &'a Artifact, at: i64) -> Reader<'a> {
        let mut by_code: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let mut by_link: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, input) in art.inputs.iter().enumerate() {
            if input.from.is_some() {
                continue;
            }
            by_link.entry(input.path.as_str()).or_default().push(i);
            for c in &input.codes {
                by_code.entry((c.system.as_str(), c.code.as_str())).or_default().push(i);
                let links = by_link.entry(c.code.as_str()).or_default();
                if !links.contains(&i) {
                    links.push(i);
                }
            }
        }
        Reader {
            art,
            at,
            by_code,
            by_link,
            found: art.inputs.iter().map(|_| Vec::new()).collect(),
            errors: Vec::new(),
            notes: Vec::new(),
            subject: None,
            unowned: None,
            families: if art.inputs.iter().any(|i| i.from.is_some() && i.ty == ValueType::Duration) {
                compared_families(art)
            } else {
                Vec::new()
            },
        }
    }

    fn resource(&mut self, res: Located<'_>) {
        let Some(obj) = res.resource.as_object() else { return };
        let id = obj.get("id").and_then(J::as_str).unwrap_or("");
        let name = if id.is_empty() { res.kind.to_string() } else { format!("{}/{id}", res.kind) };
        match res.kind {
            "QuestionnaireResponse" => {
                if status(obj, "status") == Some("entered-in-error") {
                    return;
                }
                self.items(obj, res.at, &name, 0);
            }
            "Observation" => {
                if matches!(status(obj, "status"), Some("entered-in-error" | "cancelled")) {
                    return;
                }
                self.observation(obj, res.at, &name);
            }
            _ => {}
        }
        if res.kind == "Condition" && verification(obj) == Some("entered-in-error") {
            return;
        }
        self.elements(obj, res.kind, res.at, &name);
    }

    /// Fields bound with `from` to an element of this kind of resource.
    fn elements(&mut self, obj: &Map<String, J>, kind: &str, at: &str, name: &str) {
        let art = self.art;
        for (i, input) in art.inputs.iter().enumerate() {
            let Some(from) = &input.from else { continue };
            let Some((rtype, path)) = from.split_once('.') else { continue };
            if rtype != kind {
                continue;
            }
            let Some(el) = binding::element(from) else { continue };
            if !input.codes.is_empty() && el.path != "Condition.code" {
                // An Encounter's `type` is a list of concepts; the others' `code` is one.
                let concept = if kind == "Encounter" { obj.get("type") } else { obj.get("code") };
                let coded = |c: &J| any_coding(c, |s, c| has_code(&input.codes, s, c));
                let hit = match concept {
                    Some(J::Array(list)) => list.iter().any(coded),
                    Some(c) => coded(c),
                    None => false,
                };
                if !hit {
                    continue;
                }
            }
            let loc = join(at, path);
            let mut steps = path.split('.');
            let value = steps.next().and_then(|k| obj.get(k)).and_then(|v| steps.try_fold(v, |v, k| v.get(k)));
            let Some(value) = value else { continue };
            match el.yields {
                Yields::Date => match fhir_date(value) {
                    Some(DateRead::Full(d)) => match self.since_date(i, d) {
                        Ok(v) => self.push(i, v, format!("{name} {path}"), loc),
                        Err(m) => self.errors.push(err(loc, Some(&input.path), m)),
                    },
                    Some(DateRead::Partial(s)) => {
                        self.notes.push(format!("{loc}: `{s}` is not a whole date, so `{}` stays unknown", input.path))
                    }
                    None => self.errors.push(err(loc, Some(&input.path), "expected a FHIR date or dateTime")),
                },
                Yields::Coding => self.coded_element(i, obj, value, &loc, name, path),
            }
        }
    }

    /// A field read from `Condition.code` or `Condition.bodySite`.
    fn coded_element(&mut self, i: usize, obj: &Map<String, J>, value: &J, loc: &str, name: &str, path: &str) {
        let input = &self.art.inputs[i];
        let concepts: Vec<&J> = match value {
            J::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        match &input.ty {
            ValueType::Boolean => {
                if !concepts.iter().any(|c| any_coding(c, |s, c| has_code(&input.codes, s, c))) {
                    return;
                }
                // Refuted or no longer there: false; otherwise present.
                let gone = verification(obj) == Some("refuted")
                    || matches!(clinical(obj), Some("inactive" | "remission" | "resolved"));
                self.push(i, J::Bool(!gone), format!("{name} {path}"), loc.to_string());
            }
            ValueType::Enum { values } | ValueType::Set { values } => {
                if verification(obj) == Some("refuted") {
                    return;
                }
                let mut names = Vec::new();
                for c in &concepts {
                    for_codings(c, |s, code| {
                        if let Some(k) = value_by_code(input, s, code) {
                            names.push(J::String(values[k].clone()));
                        }
                    });
                }
                if names.is_empty() {
                    return;
                }
                let v = if matches!(input.ty, ValueType::Set { .. }) {
                    J::Array(names)
                } else if names.len() == 1 {
                    names.remove(0)
                } else {
                    self.errors.push(err(loc, Some(&input.path), "codes of two values of one field"));
                    return;
                };
                self.push(i, v, format!("{name} {path}"), loc.to_string());
            }
            _ => {}
        }
    }

    fn observation(&mut self, obj: &Map<String, J>, at: &str, name: &str) {
        let Some(code) = obj.get("code") else { return };
        let mut targets = Vec::new();
        for_codings(code, |s, c| {
            if let Some(is) = self.by_code.get(&(s, c)) {
                for &i in is {
                    if !targets.contains(&i) {
                        targets.push(i);
                    }
                }
            }
        });
        for i in targets {
            let input = &self.art.inputs[i];
            let label = format!("{name} code {}", input.codes.first().map(show_code).unwrap_or_default());
            match self.answer(input, obj, at) {
                Ok(Some(v)) => self.push(i, v, label, at.to_string()),
                Ok(None) => {}
                Err(e) => self.errors.push(e),
            }
        }
    }

    /// The items of a QuestionnaireResponse (and the items nested in items
    /// and answers) whose linkId names a field.
    fn items(&mut self, obj: &Map<String, J>, at: &str, name: &str, depth: usize) {
        let Some(J::Array(items)) = obj.get("item") else { return };
        if depth >= MAX_NESTING {
            self.errors.push(err(at, None, format!("items nested deeper than {MAX_NESTING}")));
            return;
        }
        for (k, item) in items.iter().enumerate() {
            let Some(item) = item.as_object() else { continue };
            let iat = join(at, &format!("item[{k}]"));
            let link = item.get("linkId").and_then(J::as_str).unwrap_or("");
            // LOINC forms write `/91349-1/91340-0`: the last step names the item.
            let key = link.rsplit('/').next().unwrap_or(link);
            let targets = self.by_link.get(key).cloned().unwrap_or_default();
            for i in targets {
                let input = &self.art.inputs[i];
                let label = format!("{name} item {link}");
                let answers = match item.get("answer") {
                    None => continue,
                    Some(J::Array(a)) => a,
                    Some(_) => {
                        self.errors.push(err(join(&iat, "answer"), Some(&input.path), "`answer` must be a list"));
                        continue;
                    }
                };
                let mut values = Vec::new();
                for (n, a) in answers.iter().enumerate() {
                    let aat = join(&iat, &format!("answer[{n}]"));
                    match a.as_object().map(|a| self.answer(input, a, &aat)) {
                        Some(Ok(Some(v))) => values.push((v, aat)),
                        Some(Ok(None)) => {}
                        Some(Err(e)) => self.errors.push(e),
                        None => self.errors.push(err(aat, Some(&input.path), "an answer is an object")),
                    }
                }
                if matches!(input.ty, ValueType::Set { .. }) {
                    let all: Vec<J> =
                        values.iter().flat_map(|(v, _)| v.as_array().cloned().unwrap_or_default()).collect();
                    if !all.is_empty() {
                        self.push(i, J::Array(all), label, iat.clone());
                    }
                } else {
                    for (v, aat) in values {
                        self.push(i, v, label.clone(), aat);
                    }
                }
            }
            let nested = item.get("answer").and_then(J::as_array).into_iter().flatten().enumerate();
            for (n, a) in nested {
                if let Some(a) = a.as_object() {
                    self.items(a, &join(&iat, &format!("answer[{n}]")), name, depth + 1);
                }
            }
            self.items(item, &iat, name, depth + 1);
        }
    }

    /// The `value[x]` of an answer or an Observation as the field's value;
    /// `None` when there is none (an Observation with a `dataAbsentReason`).
    fn answer(&self, input: &Input, obj: &Map<String, J>, at: &str) -> Result<Option<J>, FhirError> {
        let Some((key, v)) = obj.iter().find(|(k, _)| k.starts_with("value")) else { return Ok(None) };
        let at = join(at, key);
        let fail = |m: String| Err(err(at.clone(), Some(&input.path), m));
        let whole = |x: f64| -> Result<Option<J>, FhirError> {
            match input.ty {
                ValueType::Integer if x.fract() != 0.0 => fail(format!("{x} is not a whole number")),
                ValueType::Integer => Ok(Some(J::from(x as i64))),
                _ => Ok(serde_json::Number::from_f64(x).map(J::Number)),
            }
        };
        match (key.as_str(), &input.ty) {
            ("valueBoolean", ValueType::Boolean) => match v.as_bool() {
                Some(b) => Ok(Some(J::Bool(b))),
                None => fail("`valueBoolean` is true or false".into()),
            },
            ("valueInteger", ValueType::Boolean) => match v.as_i64() {
                Some(0) => Ok(Some(J::Bool(false))),
                Some(1) => Ok(Some(J::Bool(true))),
                _ => fail(format!("{v} is not a yes (1) or no (0)")),
            },
            ("valueInteger" | "valueDecimal", ValueType::Integer | ValueType::Decimal) => match v.as_f64() {
                Some(x) => whole(x),
                None => fail(format!("`{key}` is a number")),
            },
            ("valueQuantity", ValueType::Integer | ValueType::Decimal | ValueType::Duration) => {
                let Some(x) = v.get("value").and_then(J::as_f64) else {
                    return fail("a Quantity without a `value`".into());
                };
                let ucum = v.get("code").or_else(|| v.get("unit")).and_then(J::as_str);
                if input.ty == ValueType::Duration {
                    let unit = ucum.and_then(unit_of_ucum).filter(|u| u.time_family().is_some());
                    return match unit.and_then(|u| Duration::of(x, u)) {
                        Some(d) => Ok(Some(J::String(d.to_iso()))),
                        None => fail(format!(
                            "a duration needs a whole number of a, mo, wk, d, h or min, found {x} {}",
                            ucum.unwrap_or("(no unit)")
                        )),
                    };
                }
                let fits = match (input.unit, ucum) {
                    (None | Some(Unit::Points), None | Some("1" | "{score}" | "{points}" | "{#}")) => true,
                    (Some(u), Some(c)) => unit_of_ucum(c) == Some(u),
                    _ => false,
                };
                if !fits {
                    let want = input.unit.map_or("no unit", ucum_of_unit);
                    return fail(format!("the unit `{}` is not the field's ({want})", ucum.unwrap_or("none")));
                }
                whole(x)
            }
            ("valueCoding" | "valueCodeableConcept", ValueType::Boolean) => {
                let mut b = None;
                for_codings(v, |s, c| {
                    b = b.or(match (s, c) {
                        (systems::LOINC, "LA33-6") | (YES_NO, "Y") => Some(true),
                        (systems::LOINC, "LA32-8") | (YES_NO, "N") => Some(false),
                        _ => None,
                    })
                });
                match b {
                    Some(b) => Ok(Some(J::Bool(b))),
                    None => fail("a yes or no answer is LOINC LA33-6 or LA32-8, or HL7 v2-0136 Y or N".into()),
                }
            }
            ("valueCoding" | "valueCodeableConcept", ValueType::Enum { values } | ValueType::Set { values }) => {
                let mut found = Vec::new();
                let mut unknown = None;
                for_codings(v, |s, c| match value_by_code(input, s, c) {
                    Some(k) => found.push(k),
                    None => unknown = Some(format!("{s}|{c}")),
                });
                match (found.first(), &input.ty) {
                    (None, _) => fail(format!(
                        "`{}` is not a value of the field; its values are {}",
                        unknown.unwrap_or_default(),
                        value_list(input)
                    )),
                    (Some(_), ValueType::Set { .. }) => {
                        Ok(Some(J::Array(found.iter().map(|&k| J::String(values[k].clone())).collect())))
                    }
                    (Some(&k), _) => Ok(Some(J::String(values[k].clone()))),
                }
            }
            ("valueString", ValueType::Text) => Ok(v.as_str().map(|s| J::String(s.to_string()))),
            ("valueString", ValueType::Enum { values } | ValueType::Set { values }) => match v.as_str() {
                Some(s) if values.iter().any(|x| x == s) => Ok(Some(if matches!(input.ty, ValueType::Set { .. }) {
                    J::Array(vec![J::String(s.to_string())])
                } else {
                    J::String(s.to_string())
                })),
                _ => fail(format!("{v} is not a value of the field; its values are {}", value_list(input))),
            },
            ("valueDate" | "valueDateTime", ValueType::Date) => match fhir_date(v) {
                Some(DateRead::Full(d)) => Ok(Some(J::String(format_date(d)))),
                Some(DateRead::Partial(_)) => Ok(None),
                None => fail("expected a FHIR date".into()),
            },
            _ => fail(format!("cannot read {} from `{key}`", binding::type_name(&input.ty))),
        }
    }

    /// A date element as the field's value: the date, or the time from it
    /// to the evaluation date.
    fn since_date(&self, i: usize, d: i64) -> Result<J, String> {
        let input = &self.art.inputs[i];
        if input.ty == ValueType::Date {
            return Ok(J::String(format_date(d)));
        }
        if d > self.at {
            return Err(format!("{} is after the evaluation date {}", format_date(d), format_date(self.at)));
        }
        let months = whole_months(d, self.at);
        let rest = self.at - add_months(d, months);
        match (&input.ty, input.unit) {
            (ValueType::Duration, _) => Ok(J::String(self.duration(i, d, months, rest).to_iso())),
            (_, Some(Unit::Years)) => Ok(J::from(months / 12)),
            (_, Some(Unit::Months)) => Ok(J::from(months)),
            (_, Some(Unit::Weeks)) => Ok(J::from((self.at - d) / 7)),
            (_, Some(Unit::Days)) => Ok(J::from(self.at - d)),
            _ => Err(format!("cannot count {} from a date", binding::type_name(&input.ty))),
        }
    }

    /// The time from `d` to the evaluation date as a duration that every
    /// comparison of the guideline decides exactly as the calendar does.
    /// Months and days (`P2M29D`) are exact against days but not against
    /// months (a month is 28 to 31 days); so where the field is compared
    /// with months only, a remainder of 28 days or more is written as 27,
    /// which changes no comparison with whole months and lets each decide.
    fn duration(&self, i: usize, d: i64, months: i64, rest: i64) -> Duration {
        let (by_months, by_days) = self.families.get(i).copied().unwrap_or((true, true));
        if by_days && !by_months {
            return Duration { months: 0, days: self.at - d, minutes: 0 };
        }
        let days = if by_months && !by_days { rest.min(27) } else { rest };
        Duration { months, days, minutes: 0 }
    }

    fn push(&mut self, i: usize, value: J, source: String, at: String) {
        // A value from a resource that names no patient, when the patient
        // is known, is not read as theirs.
        if let Some(unowned) = &self.unowned {
            let message = format!("{unowned} names no patient (`subject`); it cannot be read as the patient's");
            self.errors.push(err(at, Some(&self.art.inputs[i].path), message));
            return;
        }
        self.found[i].push(Found { value, source, at });
    }

    fn finish(self) -> Result<Reading, Vec<FhirError>> {
        let mut errors = self.errors;
        let mut patient = Map::new();
        let mut sources = BTreeMap::new();
        for (i, found) in self.found.into_iter().enumerate() {
            let input = &self.art.inputs[i];
            let Some(first) = found.first() else { continue };
            let value = match &input.ty {
                ValueType::Set { .. } => {
                    let mut all: Vec<J> = Vec::new();
                    for f in &found {
                        for v in f.value.as_array().into_iter().flatten() {
                            if !all.contains(v) {
                                all.push(v.clone());
                            }
                        }
                    }
                    J::Array(all)
                }
                // Conditions: present if any says so.
                ValueType::Boolean if input.from.is_some() => J::Bool(found.iter().any(|f| f.value == J::Bool(true))),
                _ => match found.iter().find(|f| f.value != first.value) {
                    Some(other) => {
                        errors.push(FhirError {
                            location: other.at.clone(),
                            field: Some(input.path.clone()),
                            message: format!(
                                "two values for one field: {} from {} ({}), and {} from {} ({})",
                                first.value, first.source, first.at, other.value, other.source, other.at
                            ),
                        });
                        continue;
                    }
                    None => first.value.clone(),
                },
            };
            let source: Vec<&str> = found.iter().map(|f| f.source.as_str()).collect();
            sources.insert(input.path.clone(), dedup(source).join(", "));
            insert_path(&mut patient, &input.path, value);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Reading { patient: J::Object(patient), sources, notes: self.notes, subject: self.subject })
    }
}

const YES_NO: &str = "http://terminology.hl7.org/CodeSystem/v2-0136";

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

fn insert_path(obj: &mut Map<String, J>, path: &str, value: J) {
    let mut parts = path.split('.').peekable();
    let mut cur = obj;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), value);
            return;
        }
        let next = cur.entry(p.to_string()).or_insert_with(|| J::Object(Map::new()));
        if !next.is_object() {
            *next = J::Object(Map::new());
        }
        let J::Object(m) = next else { return };
        cur = m;
    }
}

fn status<'j>(obj: &'j Map<String, J>, key: &str) -> Option<&'j str> {
    obj.get(key).and_then(J::as_str)
}

/// The first code of a Condition's `verificationStatus`.
fn verification(obj: &Map<String, J>) -> Option<&str> {
    first_code(obj.get("verificationStatus")?)
}

fn clinical(obj: &Map<String, J>) -> Option<&str> {
    first_code(obj.get("clinicalStatus")?)
}

fn first_code(cc: &J) -> Option<&str> {
    cc.get("coding")?.as_array()?.iter().find_map(|c| c.get("code")?.as_str())
}

/// Calls `f` with each (system, code) of a Coding or CodeableConcept.
fn for_codings<'j>(v: &'j J, mut f: impl FnMut(&'j str, &'j str)) {
    let one = |c: &'j J, f: &mut dyn FnMut(&'j str, &'j str)| {
        if let Some(code) = c.get("code").and_then(J::as_str) {
            f(c.get("system").and_then(J::as_str).unwrap_or(""), code);
        }
    };
    match v.get("coding").and_then(J::as_array) {
        Some(list) => list.iter().for_each(|c| one(c, &mut f)),
        None => one(v, &mut f),
    }
}

fn any_coding(v: &J, mut f: impl FnMut(&str, &str) -> bool) -> bool {
    let mut hit = false;
    for_codings(v, |s, c| hit = hit || f(s, c));
    hit
}

fn has_code(codes: &[Code], system: &str, code: &str) -> bool {
    codes.iter().any(|c| c.system == system && c.code == code)
}

/// The value of an enum or set field a coding names: by the values'
/// codes, or, when no value has a code, by the value's name.
fn value_by_code(input: &Input, system: &str, code: &str) -> Option<usize> {
    if input.value_codes.is_empty() {
        let (ValueType::Enum { values } | ValueType::Set { values }) = &input.ty else { return None };
        return values.iter().position(|v| v == code);
    }
    input.value_codes.iter().position(|cs| has_code(cs, system, code))
}

fn value_list(input: &Input) -> String {
    let (ValueType::Enum { values } | ValueType::Set { values }) = &input.ty else { return String::new() };
    values
        .iter()
        .enumerate()
        .map(|(k, v)| match input.value_codes.get(k).and_then(|c| c.first()) {
            Some(c) => format!("`{v}` ({})", show_code(c)),
            None => format!("`{v}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

enum DateRead {
    Full(i64),
    /// A year, or a year and month.
    Partial(String),
}

/// A FHIR `date` or `dateTime`: the date as written (a time and zone after
/// it do not move it to another day).
fn fhir_date(v: &J) -> Option<DateRead> {
    let s = v.as_str()?;
    if s.len() >= 10 {
        // By `get`: byte 10 may fall inside a character of bad data.
        let d = parse_date(s.get(..10)?)?;
        let rest = s.get(10..)?;
        return (rest.is_empty() || rest.starts_with('T')).then_some(DateRead::Full(d));
    }
    let ok = (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        || (s.len() == 7
            && s.as_bytes()[4] == b'-'
            && s.bytes().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit()));
    ok.then(|| DateRead::Partial(s.to_string()))
}

/// Whole calendar months from `from` to `to` (`to >= from`).
fn whole_months(from: i64, to: i64) -> i64 {
    let (y1, m1, _) = guidepath_ir::calendar::civil_from_days(from);
    let (y2, m2, _) = guidepath_ir::calendar::civil_from_days(to);
    let mut m = (i64::from(y2) - i64::from(y1)) * 12 + i64::from(m2) - i64::from(m1);
    while m > 0 && add_months(from, m) > to {
        m -= 1;
    }
    m.max(0)
}

/// For each input, whether the guideline compares it with month-based and
/// with day-based durations; `(true, true)` where it compares it with
/// neither. One walk over every expression of the artifact.
pub fn compared_families(art: &Artifact) -> Vec<(bool, bool)> {
    let mut seen = vec![(false, false); art.inputs.len()];
    let mut note = |i: u32, u: &Option<Unit>| {
        let Some(slot) = seen.get_mut(i as usize) else { return };
        match u.and_then(|u| u.time_family()) {
            Some(TimeFamily::Months) => slot.0 = true,
            Some(_) => slot.1 = true,
            None => {}
        }
    };
    let mut todo: Vec<&Expr> = Vec::new();
    for n in &art.nodes {
        match &n.kind {
            guidepath_ir::NodeKind::Define { expr } | guidepath_ir::NodeKind::Score { expr } => todo.push(expr),
            guidepath_ir::NodeKind::Stratify { population, strata } => {
                todo.extend(population.iter());
                todo.extend(strata.iter().map(|s| &s.when));
            }
        }
    }
    todo.extend(art.recommendations.iter().map(|r| &r.when));
    for p in &art.pathways {
        todo.extend(p.when.iter());
        todo.extend(p.steps.iter().filter_map(|s| s.when.as_ref()));
    }
    while let Some(e) = todo.pop() {
        match e {
            Expr::Compare { lhs, rhs, .. } => {
                for (a, b) in [(lhs, rhs), (rhs, lhs)] {
                    if let (Expr::Input(i), Expr::Quantity { unit, .. }) = (strip(a), strip(b)) {
                        note(*i, unit);
                    }
                }
            }
            Expr::InRange { expr, unit, .. } => {
                if let Expr::Input(i) = strip(expr) {
                    note(*i, unit);
                }
            }
            _ => {}
        }
        e.push_children(&mut todo);
    }
    seen.into_iter().map(|f| if f == (false, false) { (true, true) } else { f }).collect()
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Labeled { expr, .. } => strip(expr),
        other => other,
    }
}

/// The unit a UCUM code stands for.
pub fn unit_of_ucum(code: &str) -> Option<Unit> {
    Some(match code {
        "a" => Unit::Years,
        "mo" => Unit::Months,
        "wk" => Unit::Weeks,
        "d" => Unit::Days,
        "h" => Unit::Hours,
        "min" => Unit::Minutes,
        "kg" => Unit::Kg,
        "g" => Unit::G,
        "cm" => Unit::Cm,
        "mm" => Unit::Mm,
        "%" => Unit::Percent,
        "{score}" | "{points}" => Unit::Points,
        _ => return None,
    })
}

/// The UCUM code of a unit.
pub fn ucum_of_unit(u: Unit) -> &'static str {
    match u {
        Unit::Points => "{score}",
        Unit::Years => "a",
        Unit::Months => "mo",
        Unit::Weeks => "wk",
        Unit::Days => "d",
        Unit::Hours => "h",
        Unit::Minutes => "min",
        Unit::Kg => "kg",
        Unit::G => "g",
        Unit::Cm => "cm",
        Unit::Mm => "mm",
        Unit::Percent => "%",
    }
}
