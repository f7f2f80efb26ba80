"""AQ-10 and AQ-11: data-source hooks and VPC changes, documents put straight into the index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..common.identities import ACCOUNT, REGION, Caller
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, burst, event, token
from .world import (
    APP,
    DATA_SOURCE,
    INDEX,
    admin_console,
    cli_role,
    cli_user,
    index_arn,
    qbusiness_service,
    role_arn,
)

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-10 ----------------------------------------------------------------------------------

S3_CONNECTOR = {
    "type": "S3",
    "syncMode": "FULL_CRAWL",
    "connectionConfiguration": {
        "repositoryEndpointMetadata": {"BucketName": "amzn-s3-demo-bucket"}
    },
    "repositoryConfigurations": {
        "document": {
            "fieldMappings": [
                {
                    "indexFieldName": "s3_document_id",
                    "indexFieldType": "STRING",
                    "dataSourceFieldName": "s3_document_id",
                }
            ]
        }
    },
}
VPC = {"subnetIds": ["subnet-0a1b2c3d4e5f67890"], "securityGroupIds": ["sg-0123456789abcdef0"]}


def _hook(lambda_name: str) -> dict[str, Any]:
    return {
        "lambdaArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{lambda_name}",
        "s3BucketName": "amzn-s3-demo-bucket",
        "roleArn": role_arn("QBusinessEnrichmentRole"),
    }


def _create_ds(ids: Ids, extra: dict[str, Any], error: Error | None = None) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "displayName": "finance-share",
        "configuration": S3_CONNECTOR,
        **extra,
        "roleArn": role_arn("QBusinessS3ConnectorRole"),
        "clientToken": token(ids),
    }
    response = {
        "dataSourceId": DATA_SOURCE,
        "dataSourceArn": f"{index_arn()}/data-source/{DATA_SOURCE}",
    }
    return event(
        ids,
        at(15, 11, 8, 30),
        cli_role("qbusiness.create-data-source"),
        "CreateDataSource",
        params,
        response,
        error=error,
    )


@fixture("data_source_lambda_hook_or_vpc_change", "pos_pre_extraction_hook_added")
def _(ids: Ids) -> Record:
    return _create_ds(
        ids,
        {
            "documentEnrichmentConfiguration": {
                "preExtractionHookConfiguration": _hook("doc-preprocess")
            }
        },
    )


@fixture("data_source_lambda_hook_or_vpc_change", "pos_connector_vpc_changed")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "dataSourceId": DATA_SOURCE,
        "vpcConfiguration": VPC,
    }
    return event(
        ids,
        at(15, 23, 51, 7),
        admin_console("mallory@example.com"),
        "UpdateDataSource",
        params,
        None,
    )


@fixture("data_source_lambda_hook_or_vpc_change", "pos_post_extraction_hook_on_update")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "dataSourceId": DATA_SOURCE,
        "documentEnrichmentConfiguration": {
            "postExtractionHookConfiguration": _hook("doc-postprocess")
        },
    }
    return event(
        ids,
        at(15, 23, 55, 40),
        cli_role("qbusiness.update-data-source"),
        "UpdateDataSource",
        params,
        None,
    )


@fixture("data_source_lambda_hook_or_vpc_change", "neg_plain_connector_in_vpc")
def _(ids: Ids) -> Record:
    return _create_ds(ids, {"vpcConfiguration": VPC})


@fixture("data_source_lambda_hook_or_vpc_change", "neg_sync_schedule_changed")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "dataSourceId": DATA_SOURCE,
        "syncSchedule": "cron(0 3 * * ? *)",
    }
    return event(ids, at(15, 12, 0), admin_console(), "UpdateDataSource", params, None)


@fixture("data_source_lambda_hook_or_vpc_change", "neg_post_hook_access_denied")
def _(ids: Ids) -> Record:
    return _create_ds(
        ids,
        {
            "documentEnrichmentConfiguration": {
                "postExtractionHookConfiguration": _hook("doc-postprocess")
            }
        },
        DENIED,
    )


# AQ-11 ----------------------------------------------------------------------------------

INJECTOR = cli_user("qbusiness.batch-put-document", "svc-reporting")


def _put_docs(
    ids: Ids, when: datetime, caller: Caller, n: int = 0, error: Error | None = None
) -> Record:
    doc_id = f"kb/policies/travel-policy-{n:03d}.txt"
    params: dict[str, Any] = {
        "applicationId": APP,
        "indexId": INDEX,
        "documents": [
            {
                "id": doc_id,
                "title": f"Travel policy update {n}",
                "contentType": "PLAIN_TEXT",
                "content": {"s3": {"bucket": "amzn-s3-demo-bucket", "key": doc_id}},
                "accessConfiguration": {
                    "accessControls": [
                        {
                            "principals": [
                                {
                                    "group": {
                                        "name": "all-employees",
                                        "access": "ALLOW",
                                        "membershipType": "INDEX",
                                    }
                                }
                            ]
                        }
                    ]
                },
            }
        ],
        "roleArn": role_arn("QBusinessDocumentPutRole"),
    }
    return event(
        ids, when, caller, "BatchPutDocument", params, {"failedDocuments": []}, error=error
    )


@fixture("document_put_directly_into_index", "pos_iam_user_puts_document")
def _(ids: Ids) -> Record:
    return _put_docs(ids, at(16, 4, 12, 9), INJECTOR)


@fixture("document_put_directly_into_index", "neg_connector_sync_by_service")
def _(ids: Ids) -> Record:
    rec = _put_docs(ids, at(16, 3, 0, 12), qbusiness_service())
    rec["requestParameters"]["dataSourceSyncId"] = "5f0e9d8c-7b6a-4958-8372-EXAMPLE61ab2"
    return rec


@fixture("document_put_directly_into_index", "neg_batch_delete_document")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "documents": [{"documentId": "kb/policies/travel-policy-000.txt"}],
    }
    return event(
        ids, at(16, 4, 20), INJECTOR, "BatchDeleteDocument", params, {"failedDocuments": []}
    )


@fixture("document_put_directly_into_index", "neg_put_access_denied")
def _(ids: Ids) -> Record:
    return _put_docs(ids, at(16, 4, 10), INJECTOR, error=DENIED)


def _put_series(ids: Ids, count: int, step: float, caller: Caller = INJECTOR) -> Any:
    return burst(
        ids, at(17, 4, 0), step, count, lambda ids, when, i: _put_docs(ids, when, caller, i)
    )


@fixture("bulk_direct_document_injection", "pos_55_puts_in_9_minutes")
def _(ids: Ids) -> Any:
    return _put_series(ids, 55, 10)


@fixture("bulk_direct_document_injection", "neg_49_puts_one_short")
def _(ids: Ids) -> Any:
    return _put_series(ids, 49, 10)


@fixture("bulk_direct_document_injection", "neg_50_puts_over_11_minutes")
def _(ids: Ids) -> Any:
    return _put_series(ids, 50, 13)
