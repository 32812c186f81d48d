"""The OpenAPI document covers every API route and every schema it refers to exists."""
from __future__ import annotations

import re

from central.api.openapi import openapi_document
from central.app import create_app
from protocol.circulation import REFUSALS


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_blueprint_route_is_documented(tmp_path):
    """GIVEN the app's /api/v1 routes WHEN compared with the OpenAPI paths THEN each route and method appears."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    doc = openapi_document()
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    routes = _api_routes(app)
    assert routes and routes <= documented, routes - documented
    assert documented <= routes, documented - routes


def test_every_reference_resolves_and_refusal_codes_match_the_protocol():
    """GIVEN the document WHEN every $ref is followed THEN it exists; the Refusal enum is the shared vocabulary."""
    doc = openapi_document()
    refs = set(re.findall(r"#/components/schemas/(\w+)", str(doc)))
    assert refs and refs <= set(doc["components"]["schemas"]), refs - set(doc["components"]["schemas"])
    assert doc["components"]["schemas"]["Refusal"]["properties"]["code"]["enum"] == sorted(REFUSALS)


def test_identify_documents_the_pin_lockout_refusal():
    """GIVEN the document WHEN the identify refusals are read THEN pin_locked is among them, each is a shared
    refusal code, and the identify response points at them."""
    schemas = openapi_document()["components"]["schemas"]
    codes = schemas["IdentifyRefusal"]["allOf"][1]["properties"]["code"]["enum"]
    assert "pin_locked" in codes and set(codes) <= set(REFUSALS)
    assert schemas["IdentifyResponse"]["properties"]["refusal"] == {"$ref": "#/components/schemas/IdentifyRefusal"}
    assert "pin_locked" in openapi_document()["paths"]["/patrons/identify"]["post"]["description"]
