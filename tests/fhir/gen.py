"""Writes the FHIR test Bundles of tests/fhir/ (run from anywhere:
python3 tests/fhir/gen.py). The Bundles are committed; this script is how
they were made, so a change to them is a change here."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
AT = "2026-12-01"
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
SB_ITEMS = ["91340-0", "91341-8", "91342-6", "91343-4", "91344-2", "91345-9", "91346-7", "91347-5"]
Q9 = "91348-3"


def patient(pid, birth):
    return {"resourceType": "Patient", "id": pid, "birthDate": birth}


def condition(cid, pid, code, display, onset=None, status="active"):
    c = {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": SCT, "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{pid}"},
    }
    if onset:
        c["onsetDateTime"] = onset
    return c


def start_back_qr(qid, pid, answers, q9):
    """answers: eight booleans (agree = true); q9: the option's name."""
    items = [
        {"linkId": f"/91349-1/{code}", "answer": [{"valueBoolean": a}]}
        for code, a in zip(SB_ITEMS, answers)
        if a is not None
    ]
    if q9 is not None:
        items.append({"linkId": f"/91349-1/{Q9}", "answer": [{"valueCoding": {"code": q9}}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": qid,
        "status": "completed",
        "subject": {"reference": f"Patient/{pid}"},
        "authored": AT,
        "item": [{"linkId": "/91349-1", "text": "STarT Back Screening Tool", "item": items}],
    }


def qr(qid, pid, answers):
    """answers: linkId -> FHIR answer object."""
    return {
        "resourceType": "QuestionnaireResponse",
        "id": qid,
        "status": "completed",
        "subject": {"reference": f"Patient/{pid}"},
        "item": [{"linkId": k, "answer": [v]} for k, v in answers.items()],
    }


def bundle(*resources):
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def write(name, b):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(b, f, indent=2, ensure_ascii=False)
        f.write("\n")


# STarT Back: the published scoring cases of the shipped instrument's tests,
# as a LOINC-coded QuestionnaireResponse, in the Danish stratified-care
# guideline (Patient of 40 with low back pain).
sb_cases = {
    "start_back_low": ([False] * 8, "not_at_all"),
    "start_back_low_3_points": ([True, True, True, False, False, False, False, False], "moderately"),
    "start_back_medium": ([True, False, False, False, True, True, False, False], "very_much"),
    "start_back_high": ([False, False, False, False, True, True, True, False], "extremely"),
}
for name, (answers, q9) in sb_cases.items():
    write(f"{name}.json", bundle(
        patient("p1", "1986-05-17"),
        condition("lbp", "p1", "279039007", "Low back pain"),
        start_back_qr("sb", "p1", answers, q9),
        qr("flags", "p1", {"red_flags": {"valueBoolean": False}}),
    ))

# No questionnaire yet: the risk group is open, and the result says which
# items would decide it.
write("start_back_missing.json", bundle(
    patient("p1", "1986-05-17"),
    condition("lbp", "p1", "279039007", "Low back pain"),
))

# Two responses that answer item 5 differently: an error naming both.
two = start_back_qr("sb2", "p1", [False, False, False, False, False, True, True, False], "extremely")
write("start_back_conflict.json", bundle(
    patient("p1", "1986-05-17"),
    condition("lbp", "p1", "279039007", "Low back pain"),
    start_back_qr("sb", "p1", [False, False, False, False, True, True, True, False], "extremely"),
    two,
))

# Answers that belong to another patient: the reader refuses them by name,
# never reads them as p1's (they once gave p1 the other patient's risk).
write("start_back_other_patient.json", bundle(
    patient("p1", "1986-05-17"),
    condition("lbp", "p1", "279039007", "Low back pain"),
    start_back_qr("sb", "someone-else", [False, False, False, False, True, True, True, False], "extremely"),
))

# Two Patients and no patient named: which one is decided is not ours to pick.
write("two_patients.json", bundle(
    patient("p1", "1986-05-17"),
    patient("p9", "1950-01-01"),
    condition("lbp", "p1", "279039007", "Low back pain"),
))

# An answer that names no patient, beside a Patient: whose it is is unknown.
no_subject = start_back_qr("sb", "p1", [False] * 8, "not_at_all")
del no_subject["subject"]
write("start_back_no_subject.json", bundle(
    patient("p1", "1986-05-17"),
    no_subject,
))

# References by the entry's fullUrl and by an absolute URL are the patient's.
by_url = bundle(
    patient("p1", "1986-05-17"),
    condition("lbp", "p1", "279039007", "Low back pain"),
    start_back_qr("sb", "p1", [False, False, False, False, True, True, True, False], "extremely"),
    qr("flags", "p1", {"red_flags": {"valueBoolean": False}}),
)
by_url["entry"][0]["fullUrl"] = "urn:uuid:6f1c1b8e-2a4f-4c1d-9a53-0d1e2f3a4b5c"
by_url["entry"][1]["resource"]["subject"]["reference"] = "urn:uuid:6f1c1b8e-2a4f-4c1d-9a53-0d1e2f3a4b5c"
by_url["entry"][2]["resource"]["subject"]["reference"] = "https://ehr.example.org/fhir/Patient/p1"
write("start_back_high_by_url.json", by_url)

# Skåne MMS boundaries, evaluated on 2026-12-01: age 16 and 70 (inclusive),
# Linton 50 and 51 points, pain for 3 months (and one day less).
def skane(name, birth, onset, linton, sites=("279039007",)):
    site_names = {"279039007": "Low back pain", "81680005": "Neck pain"}
    conds = [condition("pain", "p2", "82423001", "Chronic pain", onset=onset)]
    conds += [condition(f"site{i}", "p2", c, site_names[c]) for i, c in enumerate(sites)]
    answers = {"very_pronounced_symptoms": {"valueBoolean": False}, "very_long_sick_leave": {"valueBoolean": False},
               "previous_treatment_failed": {"valueBoolean": False}}
    if linton is not None:
        answers["linton_score"] = {"valueInteger": linton}
    write(f"{name}.json", bundle(patient("p2", birth), *conds, qr("remiss", "p2", answers)))

skane("skane_age_16", "2010-12-01", "2026-06-01", 40)
skane("skane_age_15", "2010-12-02", "2026-06-01", 40)
skane("skane_age_70", "1955-12-02", "2026-06-01", 40)
skane("skane_age_71", "1955-12-01", "2026-06-01", 40)
skane("skane_linton_50", "1980-01-01", "2026-06-01", 50)
skane("skane_linton_51", "1980-01-01", "2026-06-01", 51)
skane("skane_3_months", "1980-01-01", "2026-09-01", 40)
skane("skane_3_months_less_a_day", "1980-01-01", "2026-09-02", 40)

# ÖMPSQ-SF has no published codes: its answers are read by linkId, the
# item's path. The shipped instrument's "50 points is high risk" case.
write("orebro_by_link_id.json", bundle(qr("omp", "p3", {
    f"orebro_sf.q{i}": {"valueInteger": v} for i, v in zip(range(1, 11), [7, 6, 5, 6, 5, 3, 6, 8, 7, 5])
})))

# What each Bundle decides, for tests/fhir.rs.
DK = "guidelines/dk/early_stratified_care.guide"
SE = "guidelines/se/skane_mms.guide"
cases = [
    {"bundle": "start_back_low.json", "guideline": DK, "strata": {"start_back.risk": "low", "track": "low_risk_track"}, "scores": {"start_back.total": 0}},
    {"bundle": "start_back_low_3_points.json", "guideline": DK, "strata": {"start_back.risk": "low"}, "scores": {"start_back.total": 3}},
    {"bundle": "start_back_medium.json", "guideline": DK, "strata": {"start_back.risk": "medium"}, "scores": {"start_back.total": 4, "start_back.psychosocial": 3}},
    {"bundle": "start_back_high.json", "guideline": DK, "strata": {"start_back.risk": "high", "track": "high_risk_track"}, "applies": ["interdisciplinary_track", "pain_centre_hotline"]},
    {"bundle": "start_back_missing.json", "guideline": DK, "strata": {"start_back.risk": None}, "needs": ["start_back.q1", "start_back.q9"]},
    {"bundle": "start_back_conflict.json", "guideline": DK, "error": ["start_back.q5", "QuestionnaireResponse/sb ", "QuestionnaireResponse/sb2 "]},
    {"bundle": "start_back_other_patient.json", "guideline": DK, "error": ["QuestionnaireResponse/sb", "Patient/someone-else", "not `Patient/p1`"]},
    {"bundle": "two_patients.json", "guideline": DK, "error": ["two patients", "Patient/p1", "Patient/p9"]},
    {"bundle": "start_back_no_subject.json", "guideline": DK, "error": ["QuestionnaireResponse/sb", "names no patient"]},
    {"bundle": "start_back_high_by_url.json", "guideline": DK, "strata": {"start_back.risk": "high", "track": "high_risk_track"}, "applies": ["interdisciplinary_track", "pain_centre_hotline"]},
    {"bundle": "orebro_by_link_id.json", "guideline": "guidelines/instruments/orebro_sf.guide", "strata": {"orebro_sf.risk": "high"}, "scores": {"orebro_sf.score": 50}},
    {"bundle": "skane_age_16.json", "guideline": SE, "strata": {"care_level": "primary_care"}, "applies": ["mms_referral"]},
    {"bundle": "skane_age_15.json", "guideline": SE, "strata": {"care_level": None}, "applies": []},
    {"bundle": "skane_age_70.json", "guideline": SE, "strata": {"care_level": "primary_care"}, "applies": ["mms_referral"]},
    {"bundle": "skane_age_71.json", "guideline": SE, "strata": {"care_level": None}, "applies": []},
    {"bundle": "skane_linton_50.json", "guideline": SE, "strata": {"care_level": "primary_care"}, "applies": ["mms_referral"]},
    {"bundle": "skane_linton_51.json", "guideline": SE, "strata": {"care_level": "consider_level"}, "applies": ["assess_care_level"]},
    {"bundle": "skane_3_months.json", "guideline": SE, "strata": {"care_level": "primary_care"}, "applies": ["mms_referral"]},
    {"bundle": "skane_3_months_less_a_day.json", "guideline": SE, "strata": {"care_level": None}, "applies": []},
]
with open(os.path.join(HERE, "cases.json"), "w") as f:
    json.dump({"at": AT, "cases": cases}, f, indent=2)
    f.write("\n")


# CDS Hooks calls with a Bundle's resources as prefetch, as a CDS client
# sends them: the Patient by itself, the rest as searchset Bundles.
def cds_request(bundle_name, out_name):
    with open(os.path.join(HERE, bundle_name)) as f:
        b = json.load(f)
    resources = [e["resource"] for e in b["entry"]]
    def searchset(kind):
        found = [r for r in resources if r["resourceType"] == kind]
        return {"resourceType": "Bundle", "type": "searchset", "total": len(found), "entry": [{"resource": r} for r in found]}
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    request = {
        "hook": "patient-view",
        "hookInstance": "5d4f4b35-7c8e-4f0c-9a53-8f3d0f5e0a11",
        "context": {"userId": "Practitioner/gp1", "patientId": patient["id"]},
        "prefetch": {
            "patient": patient,
            "conditions": searchset("Condition"),
            "questionnaireResponses": searchset("QuestionnaireResponse"),
        },
    }
    with open(os.path.join(HERE, "..", "cds-hooks", out_name), "w") as f:
        json.dump(request, f, indent=2, ensure_ascii=False)
        f.write("\n")

cds_request("start_back_high.json", "start_back_high.request.json")
cds_request("start_back_missing.json", "start_back_missing.request.json")
