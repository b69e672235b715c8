"""The OpenAPI document tells the truth: every status an operation can answer, with its body,
and the rule every text field follows (no control characters)."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from qonaq.plaintext import CONTROL

# a string without control characters, as JSON Schema (ECMA 262) writes it
PLAIN_TEXT_PATTERN = "^[^" + CONTROL.pattern[1:-1].replace("\ud800-\udfff", "") + "]*$"
MESSAGE = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "title": "Message",
}
# every operation may answer these, whatever it does
EVERYWHERE = {
    "400": "the address holds control characters, or a value cannot be stored",
    "413": "the request body is over the limit",
    "503": "the server or its database is busy or down: nothing was done; retry (Retry-After)",
}
SIGNED_IN = {
    "401": "no valid token or session",
    "403": "your role (or settlement) may not do this",
}
# operations that refuse by the domain's rules: NotFound and Conflict
REFUSALS = {
    "post /auth/token": ("401",),
    "get /settlements": ("404",),
    "post /households": ("404", "409"),
    "post /households/{household_id}/placement": ("404", "409"),
    "post /placements/{placement_id}/arrival": ("404", "409"),
    "post /placements/{placement_id}/undo-no-show": ("404", "409"),
    "post /placements/{placement_id}/cancel": ("404", "409"),
    "post /households/{household_id}/reopen": ("404", "409"),
    "post /households/{household_id}/members": ("404", "409"),
    "put /persons/{person_id}": ("404", "409"),
    "delete /persons/{person_id}": ("404", "409"),
    "post /replan/preview": ("404",),
    "get /jobs/{job_id}": ("404",),
    "post /replan/{plan_id}/apply": ("404", "409"),
    "post /aid/commitments": ("404", "409"),
    "post /aid/requests/{request_id}/cancel": ("409",),
    "post /aid/offers/{offer_id}/withdraw": ("409",),
    "post /aid/commitments/{commitment_id}/fulfil": ("409",),
    "post /aid/commitments/{commitment_id}/cancel": ("409",),
    "post /aid/volunteer": ("409",),
    "post /aid/volunteers/{user_id}/decision": ("409",),
}
ERROR_SCHEMAS = frozenset({"HTTPValidationError", "ValidationError", "Message", "Refusal"})
WORDS = {
    "401": "wrong username or password",
    "404": "no such object",
    "409": "the object's state does not allow this",
}


def truthful_openapi(app: FastAPI, prefix: str) -> Callable[[], dict[str, Any]]:
    """The app's openapi(), completed with every status and the plain-text rule."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["Message"] = MESSAGE
        # a 422 is either a list of invalid fields or one rule refused in words
        schemas["Refusal"] = {
            "anyOf": [{"$ref": "#/components/schemas/HTTPValidationError"}, MESSAGE],
            "title": "Refusal",
        }
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                _complete(operation, f"{method} {path.removeprefix(prefix)}")
        _plain_text(document["paths"])
        # error bodies echo where a problem was, which may be the very control character
        for name, schema in schemas.items():
            if name not in ERROR_SCHEMAS:
                _plain_text(schema)
        app.openapi_schema = document
        return document

    return openapi


def _complete(operation: dict[str, Any], key: str) -> None:
    responses = operation.setdefault("responses", {})
    statuses = dict(EVERYWHERE)
    if not operation.get("x-public"):
        statuses |= SIGNED_IN
    statuses |= {code: WORDS[code] for code in REFUSALS.get(key, ())}
    if "{" in key:  # an id in the path may name nothing
        statuses.setdefault("404", WORDS["404"])
    for code, words in statuses.items():
        responses.setdefault(code, {"description": words})
        responses[code]["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/Message"}}
        }
    responses["422"] = {
        "description": "invalid input, or a rule of the domain refused it",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}},
    }


def _plain_text(node: Any) -> None:
    """Every string without a pattern, enum or format of its own gets the plain-text rule."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "format", "const"} & set(node):
            node["pattern"] = PLAIN_TEXT_PATTERN
        for value in node.values():
            _plain_text(value)
    elif isinstance(node, list):
        for value in node:
            _plain_text(value)
