"""The OpenAPI document is enough to integrate with: every answer the API gives is in it."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from vroegsignaal.intake.fields import FIELD_NAMES, REQUIRED_FIELDS


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_401_and_429_as_an_error(schema):
    for name, operation in operations(schema):
        for code in ("401", "429"):
            content = operation["responses"][code]["content"]
            assert content["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, name


def test_every_delivery_lookup_documents_404_as_an_error(schema):
    for name, operation in operations(schema):
        if "{delivery_id}" in name:
            schema_404 = operation["responses"]["404"]["content"]["application/json"]["schema"]
            assert schema_404 == {"$ref": "#/components/schemas/Error"}, name


def test_the_upload_documents_400_413_and_415(schema):
    responses = schema["paths"]["/api/v1/deliveries/"]["post"]["responses"]
    assert {"202", "400", "413", "415", "401", "429"} <= set(responses)


def test_the_error_schema_has_melding_codes_and_velden(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"melding", "codes", "velden"}
    assert error["required"] == ["melding"]


def test_a_json_arrear_documents_every_field_of_the_contract_with_its_requirement(schema):
    arrear = schema["components"]["schemas"]["ArrearInput"]
    assert list(arrear["properties"]) == list(FIELD_NAMES)
    assert sorted(arrear["required"]) == sorted(REQUIRED_FIELDS)
    # JSON numbers are read as written: an amount may be a number.
    assert {"type": "number"} in arrear["properties"]["bedrag_achterstand"]["oneOf"]
    assert all(
        arrear["properties"][name].get("description")
        for name in FIELD_NAMES
        if name != "woonplaats"
    )


def test_a_rejected_row_documents_whether_it_is_a_warning(schema):
    row = schema["components"]["schemas"]["RejectedRow"]
    assert set(row["properties"]) == {
        "rij",
        "klantnummer",
        "veld",
        "code",
        "melding",
        "waarschuwing",
    }
