"""Field-path resolution over CloudTrail records (sigmaq.replay.fields)."""

from __future__ import annotations

from typing import Any

import pytest

from sigmaq.replay.fields import compile_path, has_field, resolve, scalar_leaves

RECORD: dict[str, Any] = {
    "eventSource": "qapps.amazonaws.com",
    "eventName": "GetLibraryItem",
    "errorCode": None,
    "readOnly": True,
    "userIdentity": {
        "type": "AssumedRole",
        "onBehalfOf": {"userId": "u-1", "identityStoreArn": "arn:aws:identitystore::1"},
    },
    "requestParameters": {
        "idc-application-arn": "arn:aws:sso::123456789012:application/ssoins-1/apl-1",
        "durationSeconds": 3600,
        "tags": [],
        "empty": {},
    },
    "resources": [
        {"accountId": "123456789012", "type": "AWS::QApps::QApp", "ARN": "arn:a"},
        {"accountId": "123456789012", "type": "AWS::QBusiness::Application"},
        {"ARN": None},
    ],
    "matrix": [[{"k": "x"}], [{"k": "y"}, {"k": ["z1", ["z2"]]}]],
    "literal.dotted": "flat",
    "mixed": {"a.b": {"c": "via-literal"}, "a": {"b": {"c": "via-nested"}}},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("eventName", ["GetLibraryItem"]),
        ("errorCode", [None]),
        ("readOnly", [True]),
        ("userIdentity.type", ["AssumedRole"]),
        ("userIdentity.onBehalfOf.userId", ["u-1"]),
        (
            "requestParameters.idc-application-arn",
            [RECORD["requestParameters"]["idc-application-arn"]],
        ),
        ("requestParameters.durationSeconds", [3600]),
        # a list leaf yields its elements; an empty list yields nothing
        ("requestParameters.tags", []),
        # an object leaf is returned as is (no string value matches it)
        ("requestParameters.empty", [{}]),
        # a list on the path expands; elements without the key contribute nothing
        ("resources.ARN", ["arn:a", None]),
        ("resources.type", ["AWS::QApps::QApp", "AWS::QBusiness::Application"]),
        # nested lists on the path and at the leaf are flattened
        ("matrix.k", ["x", "y", "z1", "z2"]),
        # a key containing a dot is found by the literal key
        ("literal.dotted", ["flat"]),
        # both splittings of a dotted path contribute, nested keys first
        ("mixed.a.b.c", ["via-nested", "via-literal"]),
        # missing keys, wrong case, and paths running into scalars yield nothing
        ("missing", []),
        ("eventname", []),
        ("userIdentity.missing", []),
        ("eventName.length", []),
        ("errorCode.anything", []),
    ],
)
def test_resolve(path: str, expected: list[Any]) -> None:
    assert resolve(RECORD, path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("eventName", True),
        ("errorCode", True),  # present with a null value
        ("requestParameters.tags", True),  # present, empty list
        ("requestParameters.empty", True),
        ("resources.ARN", True),  # any element has it
        ("resources.accountId", True),
        ("resources.nothing", False),
        ("literal.dotted", True),
        ("mixed.a.b.c", True),
        ("missing", False),
        ("EventName", False),
        ("errorCode.anything", False),
        ("matrix.k", True),
    ],
)
def test_has_field(path: str, expected: bool) -> None:
    assert has_field(RECORD, path) is expected


def test_non_mapping_root_resolves_to_nothing() -> None:
    assert resolve([RECORD], "eventName") == []  # type: ignore[arg-type]
    assert has_field("text", "eventName") is False  # type: ignore[arg-type]


def test_compiled_path_is_cached_and_split() -> None:
    path = compile_path("a.b.c")
    assert path is compile_path("a.b.c")
    assert path.segments == ("a", "b", "c")
    assert path.values({"a": {"b": {"c": 1}}}) == [1]
    assert path.exists({"a": [{"b": {"x": 1}}, {"b": {"c": None}}]}) is True


def test_top_level_list_leaf_is_flattened() -> None:
    assert resolve({"k": ["a", ["b", None]]}, "k") == ["a", "b", None]


def test_scalar_leaves_skip_keys_nulls_and_containers() -> None:
    record = {"a": {"evil-key": None, "b": [1, "two", {"c": True}]}, "d": 2.5}
    assert list(scalar_leaves(record)) == [1, "two", True, 2.5]
