"""Validates FHIR R4 JSON files with fhir.resources (the R4 models of
fhir.resources 6.4): every resource, its elements, types and cardinalities.

    python tests/fhir/validate.py FILE...

A file is one resource (a Bundle or any other); `-` reads standard input.
Exits 1 when any file is not valid FHIR R4, naming the file and the errors.
"""
import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element

assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__


def main(paths):
    bad = 0
    for path in paths:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        data = json.loads(text)
        try:
            resource = construct_fhir_element(data["resourceType"], data)
        except Exception as e:  # pydantic's ValidationError, or an unknown resource type
            bad += 1
            print(f"{path}: not valid FHIR R4:\n{e}", file=sys.stderr)
            continue
        count = len(resource.entry or []) if data["resourceType"] == "Bundle" else 1
        print(f"{path}: valid FHIR R4 {data['resourceType']} ({count} resources)")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
