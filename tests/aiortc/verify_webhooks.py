"""Verifies webhook deliveries with the Standard Webhooks reference library.

Reads a JSON list of {"secret", "headers", "body", "raw"?} (raw: the secret is plain text, its
UTF-8 bytes the key) from the file named by the first argument; prints one JSON line:
{"results": [{"ok": bool, "error": str|null, "payload": ...}]}. Used by tests/webhooks.rs and tests/compat_tezhire.rs.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook

results = []
for case in json.load(open(sys.argv[1])):
    try:
        secret = case["secret"].encode() if case.get("raw") else case["secret"]
        payload = Webhook(secret).verify(case["body"], case["headers"])
        results.append({"ok": True, "error": None, "payload": payload})
    except Exception as error:  # noqa: BLE001 - the library's rejection is the result
        results.append({"ok": False, "error": f"{type(error).__name__}: {error}", "payload": None})
print(json.dumps({"results": results}))
