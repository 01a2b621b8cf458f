"""Validates FHIR R4 JSON with fhir.resources (the R4 models of
fhir.resources 6.4): every resource, its elements, types and cardinalities.

    python tests/fhir/validate.py FILE...
    python tests/fhir/validate.py --guidepath BIN
    python tests/fhir/validate.py --cpg BIN

A FILE is one resource (a Bundle or any other); `-` reads standard input.
With --guidepath: every Bundle of tests/fhir/, and what `BIN eval --fhir
--format fhir` makes of each case of tests/fhir/cases.json. With --cpg: every
resource of the CPG-on-FHIR package `BIN export --cpg` writes for each
shipped guideline (Library, PlanDefinitions, ActivityDefinitions,
Questionnaires, test Bundles and their expected Parameters). Exits 1 when
any is not valid FHIR R4, naming it and the errors.
"""
import json
import os
import subprocess
import sys
import tempfile

import fhir.resources
from fhir.resources import construct_fhir_element

assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def valid(name, text):
    data = json.loads(text)
    try:
        resource = construct_fhir_element(data["resourceType"], data)
    except Exception as e:  # pydantic's ValidationError, or an unknown resource type
        print(f"{name}: not valid FHIR R4:\n{e}", file=sys.stderr)
        return False
    count = len(resource.entry or []) if data["resourceType"] == "Bundle" else 1
    print(f"{name}: valid FHIR R4 {data['resourceType']} ({count} resources)")
    return True


def main(args):
    ok = True
    if args[:1] == ["--guidepath"]:
        binary = args[1]
        with open(os.path.join(HERE, "cases.json")) as f:
            manifest = json.load(f)
        for case in manifest["cases"]:
            path = os.path.join(HERE, case["bundle"])
            ok &= valid(case["bundle"], open(path, encoding="utf-8").read())
            if "error" in case:
                continue
            out = subprocess.run(
                [binary, "eval", "--fhir", "--at", manifest["at"], "--format", "fhir", case["guideline"], path],
                cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout
            ok &= valid(f"eval --format fhir {case['bundle']}", out)
    elif args[:1] == ["--cpg"]:
        binary = args[1]
        guidelines = sorted(
            os.path.join(d, f)
            for d, _, files in os.walk(os.path.join(ROOT, "guidelines"))
            for f in files
            if f.endswith(".guide")
        )
        count = 0
        for g in guidelines:
            out = tempfile.mkdtemp(prefix="guidepath-cpg-")
            subprocess.run([binary, "export", "--cpg", g, "-o", out, "--at", "2026-12-01", "--quiet"],
                           cwd=ROOT, check=True)
            for d, _, files in os.walk(out):
                for f in sorted(files):
                    # The manifest and the bare ELM file are not resources.
                    if not f.endswith(".json") or f == "package.json" or f.endswith(".elm.json"):
                        continue
                    path = os.path.join(d, f)
                    ok &= valid(os.path.relpath(path, out), open(path, encoding="utf-8").read())
                    count += 1
        print(f"{count} resources of {len(guidelines)} packages")
        if count < 50:
            print("error: fewer resources than the shipped guidelines make", file=sys.stderr)
            ok = False
    else:
        for path in args:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
            ok &= valid(path, text)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
