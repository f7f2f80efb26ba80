"""AQ-17: CloudWatch Logs delivery sources of Amazon Q registered and deleted."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..common.identities import ACCOUNT, REGION, Caller
from ..common.records import Error, Record
from ..common.user_agents import CLI_ON_EC2
from .records import DENIED, Catalogue, Ids, at, envelope, event
from .world import LOGS, app_arn, cli_role

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-17 ----------------------------------------------------------------------------------

LOG_ADMIN = cli_role("logs.put-delivery-source", "ObservabilityAdmin", "dave")
SOURCE_NAME = "qbusiness-hr-assistant-event-logs"


def _put_source(
    ids: Ids,
    when: datetime,
    resource: str,
    log_type: str = "EVENT_LOGS",
    name: str = SOURCE_NAME,
    error: Error | None = None,
) -> Record:
    params = {"name": name, "resourceArn": resource, "logType": log_type}
    service = resource.split(":")[2]
    response = {
        "deliverySource": {
            "name": name,
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:delivery-source:{name}",
            "resourceArns": [resource],
            "service": service,
            "logType": log_type,
        }
    }
    return event(
        ids, when, LOG_ADMIN, "PutDeliverySource", params, response, source=LOGS, error=error
    )


def _delete_source(
    ids: Ids,
    when: datetime,
    name: str = SOURCE_NAME,
    caller: Caller | None = None,
    error: Error | None = None,
) -> Record:
    who = caller or replace(
        LOG_ADMIN, user_agent=CLI_ON_EC2.user_agent("logs.delete-delivery-source")
    )
    return event(
        ids, when, who, "DeleteDeliverySource", {"name": name}, None, source=LOGS, error=error
    )


WISDOM_ASSISTANT = (
    f"arn:aws:wisdom:{REGION}:{ACCOUNT}:assistant/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
)
KB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:knowledge-base/KBEXAMPLE01"


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "pos_q_business_event_logs")
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 30, 12), app_arn())


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "pos_q_connect_assistant_logs")
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 35), WISDOM_ASSISTANT, name="qconnect-assistant-event-logs")


@fixture(
    "aws_cloudtrail_amazon_q_log_delivery_source_registered", "neg_bedrock_knowledge_base_logs"
)
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 40), KB_ARN, "APPLICATION_LOGS", "kb-application-logs")


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "neg_delete_delivery_source")
def _(ids: Ids) -> Record:
    return _delete_source(ids, at(25, 9, 45))


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "neg_put_access_denied")
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 31), app_arn(), error=DENIED)


@fixture("aws_cloudtrail_cloudwatch_logs_delivery_source_deleted", "pos_delivery_source_deleted")
def _(ids: Ids) -> Record:
    return _delete_source(ids, at(26, 23, 58, 1))


@fixture(
    "aws_cloudtrail_cloudwatch_logs_delivery_source_deleted", "neg_delivery_destination_deleted"
)
def _(ids: Ids) -> Record:
    caller = replace(
        LOG_ADMIN, user_agent=CLI_ON_EC2.user_agent("logs.delete-delivery-destination")
    )
    return event(
        ids,
        at(26, 23, 59),
        caller,
        "DeleteDeliveryDestination",
        {"name": "qbusiness-logs-to-cwl"},
        None,
        source=LOGS,
    )


@fixture("aws_cloudtrail_cloudwatch_logs_delivery_source_deleted", "neg_deliveries_still_attached")
def _(ids: Ids) -> Record:
    return _delete_source(
        ids,
        at(26, 23, 57),
        error=(
            "ConflictException",
            "Delivery source has associated deliveries. "
            "Delete the deliveries before deleting the delivery source.",
        ),
    )


CORR = "aws_cloudtrail_amazon_q_log_delivery_source_deleted_after_registration"


@fixture(CORR, "pos_registered_then_deleted_after_3_hours")
def _(ids: Ids) -> Any:
    delivery = event(
        ids,
        at(27, 12, 40),
        replace(LOG_ADMIN, user_agent=CLI_ON_EC2.user_agent("logs.delete-delivery")),
        "DeleteDelivery",
        {"id": "AbCdEfGhIjKlMnOp"},
        None,
        source=LOGS,
    )
    return envelope(
        _put_source(ids, at(27, 9, 30), app_arn()), delivery, _delete_source(ids, at(27, 12, 41))
    )


@fixture(CORR, "neg_deleted_before_registration")
def _(ids: Ids) -> Any:
    return envelope(_delete_source(ids, at(27, 8, 0)), _put_source(ids, at(27, 9, 30), app_arn()))


@fixture(CORR, "neg_deleted_after_25_hours")
def _(ids: Ids) -> Any:
    return envelope(_put_source(ids, at(27, 9, 30), app_arn()), _delete_source(ids, at(28, 10, 31)))


@fixture(CORR, "neg_other_delivery_source_deleted")
def _(ids: Ids) -> Any:
    return envelope(
        _put_source(ids, at(27, 9, 30), app_arn()),
        _delete_source(ids, at(27, 10, 0), "cloudfront-access-logs"),
    )
