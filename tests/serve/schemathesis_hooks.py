"""Schemathesis hooks for `guidepath serve` (CI: SCHEMATHESIS_HOOKS).

NDJSON bodies: schemathesis has no serializer for application/x-ndjson; a
generated value is sent as one JSON line per item of a list, or as one line.
"""
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(v) + "\n" for v in items).encode("utf-8")
