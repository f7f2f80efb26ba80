"""The playbook's six analysis questions, answered from what the stream gathered.

Questions (``../shared/docs/playbook.md``, "Analysis questions"): 1 which resources were
created and deleted; 2 which plugins were used; 3 which applications Q could access
during the incident; 4 whether Q accessed them; 5 what kinds of files were uploaded to Q;
6 whether Q can reach an IDE environment. Each answer has a table, the evidence records,
and a plain statement for every part the archive cannot show (``coverage``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sigmaq.investigate.bounded import CappedCounter
from sigmaq.investigate.coverage import CoverageState, RuleInfo, data_event_gaps
from sigmaq.investigate.model import Answer, Answered, Cell, Evidence, Gap, ResourceState, Table
from sigmaq.investigate.qactivity import AppState, QActivity

MAX_ROWS = 500
MAX_EVIDENCE = 100

QUESTIONS = {
    "q1": "Which resources were created and deleted?",
    "q2": "Which plugins were used?",
    "q3": "Which applications could Amazon Q access during the incident?",
    "q4": "Did Amazon Q access those applications?",
    "q5": "What kinds of files were uploaded to Amazon Q?",
    "q6": "Can Amazon Q reach any IDE environment?",
}

Q_BUSINESS_APP = "AWS::QBusiness::Application"
Q_BUSINESS_INDEX = "AWS::QBusiness::Index"
QAPPS = "AWS::QApps::QApp"
CW_PROFILE = "AWS::CodeWhisperer::Profile"
CW_CUSTOMIZATION = "AWS::CodeWhisperer::Customization"
S3_OBJECT = "AWS::S3::Object"

# resources.type -> what each question cannot see without those data events (the Amazon
# Q notes §2.1.1, §2.2, §2.4; CloudTrail data-event table).
NEEDS: dict[str, dict[str, str]] = {
    "q1": {
        S3_OBJECT: "S3 objects created or deleted (PutObject, DeleteObject, DeleteObjects)",
        Q_BUSINESS_APP: "Q Business users, groups and documents created or deleted "
        "(CreateUser, PutGroup, BatchPutDocument, BatchDeleteDocument)",
        QAPPS: "Q Apps created or deleted (CreateQApp, DeleteQApp)",
    },
    "q2": {
        Q_BUSINESS_APP: "Q Business plugin invocations (Chat/ChatSync with chatMode "
        "PLUGIN_MODE or actionExecution.pluginId)",
    },
    "q3": {},
    "q4": {
        Q_BUSINESS_APP: "Q Business chats, plugin runs and data-source syncs "
        "(Chat, ChatSync, StartDataSourceSyncJob)",
        CW_PROFILE: "Q Developer IDE and CLI requests",
    },
    "q5": {
        Q_BUSINESS_APP: "documents put into Q Business indexes and chat attachments "
        "(BatchPutDocument, Chat, ChatSync)",
        Q_BUSINESS_INDEX: "documents put straight into Q Business indexes (BatchPutDocument)",
        QAPPS: "files imported into Q Apps (ImportDocument)",
        CW_PROFILE: "code uploaded by Q Developer (CreateUploadUrl)",
    },
    "q6": {
        CW_PROFILE: "Q Developer IDE and CLI use (GenerateCompletions, SendMessage, "
        "GenerateAssistantResponse); Builder ID (free tier) use is never logged",
        CW_CUSTOMIZATION: "use of Q Developer customizations",
    },
}
APP_GAPS = {
    "q2": "plugin invocations",
    "q4": "chats, plugin runs and data-source syncs",
    "q5": "documents uploaded and chat attachments",
}


def iso(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z`` (UTC) or None."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _span(span: tuple[datetime | None, datetime | None]) -> str:
    first, last = span
    if first is None:
        return ""
    return iso(first) or "" if first == last else f"{iso(first)} .. {iso(last)}"


def _names(counter: CappedCounter, limit: int = 5) -> str:
    shown = counter.top(limit)
    text = ", ".join(f"{c.value} ({c.count})" for c in shown)
    more = len(counter) - len(shown)
    return text + (f", +{more} more" if more > 0 else "")


@dataclass
class Context:
    """What every answer reads."""

    resources: list[ResourceState]
    activity: QActivity
    coverage: CoverageState
    infos: dict[str, RuleInfo]
    fired: set[str]  # rule ids with findings


def _rules(context: Context, question: str) -> tuple[str, ...]:
    return tuple(
        sorted(
            info.title
            for rule_id, info in context.infos.items()
            if question in info.playbook and rule_id in context.fired
        )
    )


def _table(columns: Sequence[str], rows: list[tuple[Cell, ...]]) -> Table:
    return Table(tuple(columns), tuple(rows[:MAX_ROWS]), len(rows))


def _evidence(items: Iterable[Evidence]) -> tuple[tuple[Evidence, ...], int]:
    unique: dict[tuple[str | None, str, int], Evidence] = {}
    for item in items:
        unique.setdefault((item.event_id, item.file, item.position), item)
    ordered = sorted(
        unique.values(), key=lambda e: e.event_time.timestamp() if e.event_time else 0.0
    )
    return tuple(ordered[:MAX_EVIDENCE]), len(ordered)


def _verdict(rows: int, gaps: list[Gap]) -> Answered:
    if not gaps:
        return "yes"
    return "partly" if rows else "no"


def _app_gaps(context: Context, question: str) -> list[Gap]:
    what = APP_GAPS.get(question)
    if what is None:
        return []
    gaps = []
    for app in context.activity.apps.values():
        if app.management_events and not app.data_events:
            gaps.append(
                Gap(
                    f"Q Business data events were not logged for application {app.app_id} "
                    f"({app.management_events} management events, no data events), so {what} "
                    "there cannot be seen.",
                    (Q_BUSINESS_APP,),
                )
            )
    return gaps


def _gaps(context: Context, question: str, extra: Iterable[Gap] = ()) -> list[Gap]:
    gaps = data_event_gaps(context.coverage, question, context.infos.values(), NEEDS[question])
    gaps.extend(_app_gaps(context, question))
    gaps.extend(extra)
    return gaps


def _answer(
    context: Context,
    question: str,
    summary: str,
    table: Table,
    evidence: Iterable[Evidence],
    gaps: list[Gap],
) -> Answer:
    kept, total = _evidence(evidence)
    return Answer(
        id=question,
        question=QUESTIONS[question],
        answered=_verdict(table.total, gaps),
        summary=summary,
        table=table,
        evidence=kept,
        evidence_total=total,
        gaps=tuple(gaps),
        rules=_rules(context, question),
    )


# --- q1 ------------------------------------------------------------------------------


def answer_q1(context: Context) -> Answer:
    order = {"created": 0, "created-and-deleted": 1, "deleted": 2, "changed": 3, "attempted": 4}
    chosen = sorted(
        (r for r in context.resources if r.type != "qbusiness:conversation"),
        key=lambda r: order.get(r.status, 5),
    )
    rows: list[tuple[Cell, ...]] = []
    evidence: list[Evidence] = []
    counts: dict[str, int] = {}
    for resource in chosen:
        counts[resource.status] = counts.get(resource.status, 0) + 1
        created, deleted = resource.created, resource.deleted
        last = resource.last_change or resource.last_attempt
        rows.append(
            (
                resource.status,
                resource.type,
                resource.id,
                resource.account,
                iso(created.event_time) if created else None,
                created.principal if created else None,
                iso(deleted.event_time) if deleted else None,
                deleted.principal if deleted else None,
                f"{resource.changes} change(s), last {last.event_name} by {last.principal}"
                if resource.changes and last
                else (
                    f"{resource.attempts} failed: {last.error_code}"
                    if resource.attempts and last
                    else None
                ),
                "; ".join(f"{k}={v}" for k, v in resource.attributes) or None,
                " ".join(e.event_id for e in (created, deleted, last) if e and e.event_id) or None,
            )
        )
        evidence.extend(e for e in (created, deleted, last) if e is not None)
    table = _table(
        (
            "status",
            "type",
            "id",
            "account",
            "created",
            "created by",
            "deleted",
            "deleted by",
            "changes or failures",
            "details",
            "eventIDs",
        ),
        rows,
    )
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    by_type = CappedCounter(100)
    for resource in chosen:
        if resource.status != "attempted":
            by_type.add(resource.type)
    summary = (
        f"{len(chosen)} resources touched: "
        + ", ".join(parts)
        + f". By type: {_names(by_type, 12)}."
        if chosen
        else "No resource was created, changed or deleted in the window."
    )
    return _answer(context, "q1", summary, table, evidence, _gaps(context, "q1"))


# --- q2 ------------------------------------------------------------------------------


def answer_q2(context: Context) -> Answer:
    rows: list[tuple[Cell, ...]] = []
    runs = 0
    plugins = context.activity.plugins.values()
    for plugin in sorted(plugins, key=lambda p: (p.surface, p.plugin_id)):
        runs += plugin.runs
        attributes = plugin.attributes
        rows.append(
            (
                "Q Business" if plugin.surface == "qbusiness" else "Q Developer console",
                plugin.plugin_id,
                plugin.app_id,
                attributes.get("displayName") or attributes.get("pluginProvider"),
                attributes.get("type"),
                attributes.get("serverUrl") or attributes.get("url"),
                attributes.get("auth"),
                plugin.status,
                plugin.created_by,
                plugin.runs,
                _names(plugin.invokers),
                _span(plugin.span),
            )
        )
    table = _table(
        (
            "surface",
            "plugin id",
            "application",
            "name",
            "type",
            "server URL",
            "auth",
            "status",
            "created by",
            "invocations",
            "invoked by",
            "seen",
        ),
        rows,
    )
    evidence, _ = context.activity.book.of("q2")
    created = sum(1 for p in plugins if p.status == "created")
    summary = (
        f"{len(rows)} plugin(s) seen, {created} created in the window; {runs} invocation(s) "
        "from chat logged."
        if rows
        else "No plugin was created, changed, read or invoked in the archive."
    )
    return _answer(context, "q2", summary, table, evidence, _gaps(context, "q2"))


# --- q3 ------------------------------------------------------------------------------


def _app_rows(app: AppState) -> list[tuple[Cell, ...]]:
    name = app.attributes.get("displayName") or app.attributes.get("name")
    detail = ", ".join(f"{kind} {len(found)}" for kind, found in sorted(app.components.items()))
    rows: list[tuple[Cell, ...]] = [
        (
            "Q Business application",
            app.app_id,
            name,
            "; ".join(
                v
                for v in (
                    f"identityType {app.attributes['identityType']}"
                    if "identityType" in app.attributes
                    else "",
                    detail,
                    "deleted in the window" if app.deleted else "",
                )
                if v
            )
            or None,
            app.created_by,
            _names(app.principals, 3),
        )
    ]
    for kind, found in sorted(app.components.items()):
        for ident, text in sorted(found.items()):
            rows.append((f"  {kind}", ident, app.app_id, text or None, None, None))
    return rows


def answer_q3(context: Context) -> Answer:
    activity = context.activity
    rows: list[tuple[Cell, ...]] = []
    for app in sorted(activity.apps.values(), key=lambda a: a.app_id):
        rows.extend(_app_rows(app))
    for plugin in activity.plugins.values():
        if plugin.surface == "q":
            rows.append(
                (
                    "Q Developer console plugin",
                    plugin.plugin_id,
                    plugin.attributes.get("pluginProvider"),
                    plugin.attributes.get("url"),
                    plugin.created_by,
                    None,
                )
            )
    for resource in context.resources:
        if (
            resource.type in ("codewhisperer:customization", "q:oauth-app-connection")
            and resource.created
        ):
            rows.append(
                (
                    "Q Developer customization"
                    if resource.type.startswith("codewhisperer")
                    else "Q Developer third-party connection",
                    resource.id,
                    dict(resource.attributes).get("customizationName"),
                    None,
                    resource.created.principal,
                    None,
                )
            )
    for role, state in sorted(activity.trusts.items.items()):
        rows.append(
            (
                "IAM role trusting an Amazon Q service",
                role,
                None,
                "trusts " + ", ".join(c.value for c in state.names.top()),
                _names(state.principals, 3),
                None,
            )
        )
    table = _table(("kind", "id", "name or application", "details", "created by", "used by"), rows)
    evidence, _ = activity.book.of("q3")
    apps = len(activity.apps)
    services = len({source for _, source in activity.targets.items})
    summary = (
        f"{apps} Q Business/Q Apps application(s) seen, with their data sources, retrievers, "
        f"plugins, web experiences, data accessors and resource-policy grants below; "
        f"{len(activity.trusts)} IAM role(s) created or changed to trust an Amazon Q service. "
        f"Q reached {services} AWS service(s) for users or as an agent (question 4)."
        if rows or services
        else "No Amazon Q application, plugin, customization or role trusting Amazon Q appears "
        "in the archive."
    )
    extra = [
        Gap(
            "What each role, user and data accessor may do lives in IAM and resource policies, "
            "not in CloudTrail: review the roles above (aws iam get-role, IAM Access Analyzer) "
            "to know the full reach of Amazon Q."
        )
    ]
    return _answer(context, "q3", summary, table, evidence, _gaps(context, "q3", extra))


# --- q4 ------------------------------------------------------------------------------


def answer_q4(context: Context) -> Answer:
    activity = context.activity
    rows: list[tuple[Cell, ...]] = []
    for (surface, source), state in sorted(activity.targets.items.items()):
        rows.append(
            (
                surface,
                source,
                state.events,
                state.mutating,
                state.errors,
                _names(state.principals, 3),
                _names(state.names, 6),
                _span(state.span),
            )
        )
    for (service, role), use in sorted(activity.role_uses.items.items()):
        rows.append(
            (f"{service} assumed a role", role, use.events, None, None, None, None, _span(use.span))
        )
    for app in sorted(activity.apps.values(), key=lambda a: a.app_id):
        if app.chats or app.syncs or len(app.searchers):
            rows.append(
                (
                    "Q Business application",
                    app.app_id,
                    app.chats + app.syncs + sum(app.searchers.counts.values()),
                    None,
                    None,
                    _names(app.principals, 3),
                    f"chats {app.chats}, plugin runs {app.plugin_runs}, syncs {app.syncs}, "
                    f"searches by {_names(app.searchers, 3) or 'none'}",
                    _span(app.span),
                )
            )
    table = _table(
        ("channel", "target", "calls", "writes", "errors", "principals", "calls made", "seen"),
        rows,
    )
    evidence, _ = activity.book.of("q4")
    writes = sum(s.mutating for s in activity.targets.values())
    summary = (
        f"Amazon Q made {sum(s.events for s in activity.targets.values())} call(s) to "
        f"{len(activity.targets)} service target(s) for users or as an agent ({writes} writes); "
        f"Q services assumed {len(activity.role_uses)} role(s); "
        f"{sum(1 for a in activity.apps.values() if a.chats or a.syncs)} Q Business "
        "application(s) show chats or syncs."
        if rows
        else "The archive shows no call Amazon Q made to another service, and no Q Business chat, "
        "sync or search."
    )
    return _answer(context, "q4", summary, table, evidence, _gaps(context, "q4"))


# --- q5 ------------------------------------------------------------------------------


def answer_q5(context: Context) -> Answer:
    activity = context.activity
    rows: list[tuple[Cell, ...]] = []
    for (surface, kind), state in sorted(activity.uploads.items.items()):
        rows.append(
            (
                surface,
                kind,
                state.events,
                _names(state.names, 5) or None,
                _names(state.principals, 3),
                _span(state.span),
            )
        )
    table = _table(("surface", "kind", "files", "examples", "uploaded by", "seen"), rows)
    evidence, _ = activity.book.of("q5")
    total = sum(s.events for s in activity.uploads.values())
    kinds = sorted({kind for _, kind in activity.uploads.items})
    summary = (
        f"{total} file(s) uploaded, of kinds {', '.join(kinds)}. CloudTrail records document "
        "ids, names and content types, never the content."
        if rows
        else "No upload to Amazon Q appears in the archive."
    )
    return _answer(context, "q5", summary, table, evidence, _gaps(context, "q5"))


# --- q6 ------------------------------------------------------------------------------


def answer_q6(context: Context) -> Answer:
    activity = context.activity
    rows: list[tuple[Cell, ...]] = []
    for (client, version), state in sorted(activity.clients.items.items()):
        rows.append((client, version, state.events, _names(state.principals, 5), _span(state.span)))
    for (surface, source), target in sorted(activity.targets.items.items()):
        if surface.startswith("Q IDE agent"):
            rows.append(
                (surface, source, target.events, _names(target.principals, 5), _span(target.span))
            )
    for category in activity.ide_categories.top():
        rows.append((f"IDE category {category.value}", None, category.count, None, None))
    for profile in activity.profiles.top():
        rows.append(("Q Developer profile used", profile.value, profile.count, None, None))
    for assignment, count in sorted(activity.assignments.items.items()):
        action, principal = assignment.split(":", 1)
        verb = "assigned" if action == "CreateAssignment" else "removed"
        rows.append(
            (
                f"Q Developer subscription {verb}",
                principal,
                count.events,
                _names(count.principals, 3),
                _span(count.span),
            )
        )
    table = _table(("client or setting", "version or id", "events", "principals", "seen"), rows)
    evidence, _ = activity.book.of("q6")
    ide = [c for c in activity.clients.items if c[0] != "Q Developer CLI"]
    if ide or any(s.startswith("Q IDE agent") for s, _ in activity.targets.items):
        users = CappedCounter(1000)
        for client_key, client_state in activity.clients.items.items():
            if client_key[0] != "Q Developer CLI":
                for counted in client_state.principals.top():
                    users.add(counted.value)
        summary = (
            f"Yes: Amazon Q Developer ran in an IDE for {len(users)} principal(s) "
            f"({', '.join(sorted({c for c, _ in ide})) or 'agent only'}); "
            f"{activity.developer_events} Q Developer IDE/CLI event(s) logged."
        )
    elif activity.developer_events:
        summary = (
            f"Q Developer was used ({activity.developer_events} events) but no IDE client "
            "appears: only the CLI or unmarked clients."
        )
    else:
        summary = "No Q Developer IDE or CLI activity appears in the archive."
    return _answer(context, "q6", summary, table, evidence, _gaps(context, "q6"))


def answers(context: Context) -> tuple[Answer, ...]:
    """All six answers, in order."""
    return (
        answer_q1(context),
        answer_q2(context),
        answer_q3(context),
        answer_q4(context),
        answer_q5(context),
        answer_q6(context),
    )
