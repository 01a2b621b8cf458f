//! The CPG-on-FHIR export (`guidepath-cpg`): which guidelines it writes and
//! which constructs it refuses, and the shape of the package. That the
//! ELM means what the evaluator means is held in a CQL engine by
//! `tests/cpg/differential.mjs` (CI).

use base64::Engine as _;
use guidepath_cpg::{library, package, CpgError, Options};
use guidepath_tests::root;
use serde_json::Value as J;

fn artifact(path: &std::path::Path) -> Option<guidepath_ir::Artifact> {
    let c = guidepath_check::compile(&guidepath_check::Disk, path);
    c.lowered.map(|l| l.artifact)
}

/// The files ELM cannot say exactly, each with the construct and the
/// rule the refusal names.
const REFUSED: &[(&str, &str, &str)] = &[(
    "tests/corpus/cpg/date_plus_duration.guide",
    "a date plus or minus a duration that is not a constant",
    "recommendation `follow_up` (date_plus_duration.guide:21:11)",
)];

#[test]
fn every_guideline_that_compiles_is_exported_or_refused_by_name() {
    let mut files = guidepath_tests::guide_files(&root().join("guidelines"));
    files.extend(guidepath_tests::guide_files(&root().join("tests/corpus")));
    let mut exported = 0;
    for path in files {
        let Some(art) = artifact(&path) else { continue };
        let rel = path.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/");
        match (library(&art), REFUSED.iter().find(|(f, _, _)| *f == rel)) {
            (Ok(lib), None) => {
                assert_eq!(lib.elm["library"]["identifier"]["id"], lib.name);
                exported += 1;
            }
            (Err(CpgError::Unsupported { construct, at }), Some((_, want, place))) => {
                assert_eq!(construct, *want, "{rel}");
                assert_eq!(at, *place, "{rel}");
            }
            (Ok(_), Some(_)) => panic!("{rel} is exported, but ELM cannot say it exactly"),
            (Err(e), _) => panic!("{rel}: {e}"),
        }
    }
    assert!(exported >= 30, "{exported} guidelines exported");
}

fn skane() -> (guidepath_ir::Artifact, guidepath_cpg::Package) {
    let art = artifact(&root().join("guidelines/se/skane_mms.guide")).unwrap();
    let options = Options { base: "https://example.org/fhir".into(), publisher: None };
    let p = package(&art, &[], &options).unwrap();
    (art, p)
}

fn file(p: &guidepath_cpg::Package, name: &str) -> J {
    let (_, text) = p.files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}"));
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_library_carries_its_elm_and_cql_and_claims_its_profiles() {
    let (_, p) = skane();
    let lib = file(&p, "Library-SeSkaneMms.json");
    let profiles: Vec<&str> = lib["meta"]["profile"].as_array().unwrap().iter().filter_map(J::as_str).collect();
    assert_eq!(
        profiles,
        [
            "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computablelibrary",
            "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-executablelibrary"
        ]
    );
    assert_eq!(lib["url"], "https://example.org/fhir/Library/SeSkaneMms");
    // Skåne's routine is `retired since 2018-12-31`: a retired artifact,
    // not for use.
    assert_eq!(lib["status"], "retired");
    assert_eq!(lib["experimental"], false);
    let decode = |ty: &str| {
        let c = lib["content"].as_array().unwrap().iter().find(|c| c["contentType"] == ty).unwrap();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(c["data"].as_str().unwrap()).unwrap())
            .unwrap()
    };
    let elm: J = serde_json::from_str(&decode("application/elm+json")).unwrap();
    assert_eq!(elm, p.library.elm);
    assert_eq!(decode("text/cql"), p.library.cql);
    assert!(p.library.cql.contains("define \"rec.mms_referral\""));
    // Every result is an out parameter, and the evaluation date the one in.
    let params = lib["parameter"].as_array().unwrap();
    assert_eq!(params[0]["name"], "Evaluation date");
    assert_eq!(params[0]["use"], "in");
    for o in &p.library.outputs {
        assert!(params.iter().any(|x| x["name"] == o.name.as_str() && x["use"] == "out"), "{}", o.name);
    }
    // It retrieves Patients, Conditions by their codes, and answers.
    let kinds: Vec<&str> =
        lib["dataRequirement"].as_array().unwrap().iter().filter_map(|d| d["type"].as_str()).collect();
    assert!(kinds.contains(&"Patient") && kinds.contains(&"Condition") && kinds.contains(&"QuestionnaireResponse"));
}

#[test]
fn recommendations_and_pathways_are_plan_definitions() {
    let (art, p) = skane();
    for r in &art.recommendations {
        let id = format!("SeSkaneMms-{}", r.id.replace(['.', '_'], "-"));
        let pd = file(&p, &format!("PlanDefinition-{id}.json"));
        assert_eq!(
            pd["meta"]["profile"][0],
            "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-recommendationdefinition"
        );
        let cond = &pd["action"][0]["condition"][0];
        assert_eq!(cond["kind"], "applicability");
        assert_eq!(cond["expression"]["expression"], format!("rec.{}", r.id));
        let ad = file(&p, &format!("ActivityDefinition-{id}.json"));
        assert_eq!(ad["doNotPerform"], r.direction == guidepath_ir::Direction::Against);
    }
    let pathway = file(&p, "PlanDefinition-SeSkaneMms-mms.json");
    assert_eq!(pathway["meta"]["profile"][0], "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-pathwaydefinition");
    let steps = pathway["action"][0]["action"].as_array().unwrap();
    let visit = steps.iter().find(|s| s["id"] == "first_visit").unwrap();
    assert_eq!(visit["timingTiming"]["repeat"]["boundsDuration"]["code"], "mo");
    assert_eq!(visit["dynamicValue"][0]["expression"]["expression"], "due.mms.first_visit");
    let pkg = file(&p, "package.json");
    assert_eq!(pkg["fhirVersions"][0], "4.0.1");
    assert_eq!(pkg["dependencies"]["hl7.fhir.uv.cpg"], "2.0.0");
}

/// STarT Back is the LOINC panel 91349-1; its nine items keep their LOINC
/// codes and the ninth its five answers.
#[test]
fn an_instrument_is_a_questionnaire_with_its_loinc_codes() {
    let art = artifact(&root().join("guidelines/dk/early_stratified_care.guide")).unwrap();
    let options = Options { base: "https://example.org/fhir".into(), publisher: None };
    let p = package(&art, &[], &options).unwrap();
    let (name, text) =
        p.files.iter().find(|(n, _)| n.starts_with("Questionnaire-") && n.contains("start-back")).unwrap();
    let q: J = serde_json::from_str(text).unwrap();
    assert_eq!(q["code"][0]["code"], "91349-1", "{name}");
    let items = q["item"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert_eq!(items[0]["linkId"], "91340-0");
    assert_eq!(items[8]["type"], "choice");
    assert_eq!(items[8]["answerOption"].as_array().unwrap().len(), 5);
}
