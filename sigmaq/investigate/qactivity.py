"""Amazon Q activity the playbook's questions 2-6 need, gathered while streaming (bounded).

Which eventNames and request keys carry what follows the Amazon Q notes
(``../shared/docs/amazon-q-cloudtrail.md``): plugins (§2.1.3 CreatePlugin, Chat/ChatSync
``chatMode``/``actionExecution.pluginId``; §2.3 q ``CreatePlugin``), applications and what
they connect to (data sources, retrievers, web experiences, data accessors, resource
policy statements), documents (``BatchPutDocument`` ``documents[].contentType``, chat
``attachments[].name``, Q Apps ``ImportDocument.fileName``, codewhisperer
``CreateUploadUrl``), the IDE (§2.4 codewhisperer data events, ``userContext.ideCategory``,
§6 ``AmazonQ-For-…`` user agents) and Q acting for a user (§2.3 ``invokedBy``
``q.amazonaws.com``; §6 ``exec-env/AmazonQ-For-CLI|IDE``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sigmaq.investigate.bounded import CappedCounter, CappedList, CappedMap
from sigmaq.investigate.identity import AGENT_CLIENTS, ON_BEHALF_SURFACE, q_client
from sigmaq.investigate.model import Evidence
from sigmaq.investigate.params import first_text, values_at
from sigmaq.investigate.records import Seen
from sigmaq.investigate.resources import is_read_only

MAX_APPS = 1_000
MAX_COMPONENTS = 100
MAX_PLUGINS = 1_000
MAX_TARGETS = 500
MAX_UPLOAD_KINDS = 200
MAX_CLIENTS = 200
EVIDENCE_PER_CATEGORY = 20
MAX_CATEGORIES = 60

# Q Business calls that create or change a component of an application (question 3).
_COMPONENT_CALLS = {
    "CreateIndex": "index",
    "UpdateIndex": "index",
    "CreateRetriever": "retriever",
    "UpdateRetriever": "retriever",
    "CreateWebExperience": "web experience",
    "UpdateWebExperience": "web experience",
}

Q_SERVICE_PRINCIPALS = (
    "qbusiness.amazonaws.com",
    "q.amazonaws.com",
    "qapps.amazonaws.com",
    "codewhisperer.amazonaws.com",
    "wisdom.amazonaws.com",
)
_VERSION = re.compile(
    r"AmazonQ-For-[A-Za-z]+[-/](?:Version[-/])?([0-9][0-9.]*)|md/appVersion-([0-9][0-9.]*)"
)


def widen(
    span: tuple[datetime | None, datetime | None], moment: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """``span`` (first, last) extended to ``moment``."""
    first, last = span
    if moment is None:
        return span
    return (
        moment if first is None or moment < first else first,
        moment if last is None or moment > last else last,
    )


class EvidenceBook:
    """Evidence per (question, category), at most ``EVIDENCE_PER_CATEGORY`` each, so one
    busy category (thousands of chats) cannot hide a rare one (one plugin created)."""

    def __init__(self) -> None:
        self.lists: dict[tuple[str, str], CappedList[Evidence]] = {}
        self.dropped = 0

    def add(self, question: str, category: str, seen: Seen) -> None:
        key = (question, category)
        found = self.lists.get(key)
        if found is None:
            if sum(1 for q, _ in self.lists if q == question) >= MAX_CATEGORIES:
                self.dropped += 1
                return
            found = self.lists[key] = CappedList(EVIDENCE_PER_CATEGORY)
        found.add_lazy(seen.evidence)

    def of(self, question: str) -> tuple[list[Evidence], int]:
        """Evidence of ``question`` by time, and how many records qualified."""
        items: list[Evidence] = []
        total = 0
        for (q, _), kept in self.lists.items():
            if q == question:
                items.extend(kept.items)
                total += kept.total
        items.sort(key=lambda e: e.event_time.timestamp() if e.event_time else 0.0)
        return items, total


class AppState:
    """One Q Business application (or Q Apps instance) and what it connects to."""

    __slots__ = (
        "app_id",
        "attributes",
        "chats",
        "components",
        "created_by",
        "data_events",
        "deleted",
        "management_events",
        "plugin_runs",
        "principals",
        "searchers",
        "span",
        "syncs",
        "uploads",
    )

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.attributes: dict[str, str] = {}
        self.components: dict[str, dict[str, str]] = {}
        self.created_by: str | None = None
        self.deleted = False
        self.management_events = 0
        self.data_events = 0
        self.chats = 0
        self.plugin_runs = 0
        self.syncs = 0
        self.uploads = 0
        self.principals = CappedCounter(20)
        self.searchers = CappedCounter(20)
        self.span: tuple[datetime | None, datetime | None] = (None, None)

    def component(self, kind: str, ident: str, detail: str = "") -> None:
        found = self.components.setdefault(kind, {})
        if ident in found:
            if detail and not found[ident]:
                found[ident] = detail
        elif len(found) < MAX_COMPONENTS:
            found[ident] = detail


class PluginState:
    """One plugin (Q Business ``qbusiness`` or Q Developer console ``q``)."""

    __slots__ = (
        "app_id",
        "attributes",
        "created_by",
        "events",
        "invokers",
        "plugin_id",
        "runs",
        "span",
        "status",
        "surface",
    )

    def __init__(self, surface: str, plugin_id: str, app_id: str | None) -> None:
        self.surface = surface
        self.plugin_id = plugin_id
        self.app_id = app_id
        self.attributes: dict[str, str] = {}
        self.created_by: str | None = None
        self.status = "seen"
        self.events = 0
        self.runs = 0
        self.invokers = CappedCounter(20)
        self.span: tuple[datetime | None, datetime | None] = (None, None)


class TargetState:
    """AWS calls made through Amazon Q (console on a user's behalf, or a Q agent) against
    one eventSource."""

    __slots__ = ("errors", "events", "mutating", "names", "principals", "span")

    def __init__(self) -> None:
        self.events = 0
        self.mutating = 0
        self.errors = 0
        self.names = CappedCounter(50)
        self.principals = CappedCounter(20)
        self.span: tuple[datetime | None, datetime | None] = (None, None)


class CountState:
    """A count with its principals and time span (uploads by kind, IDE clients…)."""

    __slots__ = ("events", "names", "principals", "span")

    def __init__(self) -> None:
        self.events = 0
        self.names = CappedCounter(10)
        self.principals = CappedCounter(20)
        self.span: tuple[datetime | None, datetime | None] = (None, None)

    def add(self, seen: Seen, name: str | None = None, count: int = 1) -> None:
        self.events += count
        self.principals.add(seen.principal)
        if name:
            self.names.add(name)
        self.span = widen(self.span, seen.ref.event_time)


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else "(no extension)"


def _request(seen: Seen) -> Any:
    return seen.event.get("requestParameters")


def _response(seen: Seen) -> Any:
    return seen.event.get("responseElements")


class QActivity:
    """Everything questions 2-6 read, bounded by the caps above."""

    def __init__(self) -> None:
        self.apps: CappedMap[str, AppState] = CappedMap(MAX_APPS)
        self.plugins: CappedMap[tuple[str, str], PluginState] = CappedMap(MAX_PLUGINS)
        self.targets: CappedMap[tuple[str, str], TargetState] = CappedMap(MAX_TARGETS)
        self.role_uses: CappedMap[tuple[str, str], CountState] = CappedMap(MAX_TARGETS)
        self.uploads: CappedMap[tuple[str, str], CountState] = CappedMap(MAX_UPLOAD_KINDS)
        self.clients: CappedMap[tuple[str, str], CountState] = CappedMap(MAX_CLIENTS)
        self.ide_categories = CappedCounter(50)
        self.profiles = CappedCounter(100)
        self.customizations = CappedCounter(100)
        self.assignments: CappedMap[str, CountState] = CappedMap(MAX_CLIENTS)
        self.developer_events = 0
        self.developer_data_events = 0
        self.trusts: CappedMap[str, CountState] = CappedMap(MAX_TARGETS)
        self.book = EvidenceBook()

    # --- dispatch ---------------------------------------------------------------------

    def observe(self, seen: Seen) -> None:
        """Feed one record (any service)."""
        source = seen.source
        if source == "qbusiness.amazonaws.com":
            self._qbusiness(seen)
        elif source == "qapps.amazonaws.com":
            self._qapps(seen)
        elif source == "codewhisperer.amazonaws.com":
            self._codewhisperer(seen)
        elif source == "q.amazonaws.com":
            self._q(seen)
        elif source == "wisdom.amazonaws.com":
            self._wisdom(seen)
        elif source == "sts.amazonaws.com":
            self._sts(seen)
        elif source == "iam.amazonaws.com":
            self._iam(seen)
        if seen.surfaces:
            self._through_q(seen)

    # --- Q Business --------------------------------------------------------------------

    def _app(self, seen: Seen, app_id: str | None) -> AppState | None:
        if not app_id:
            return None
        app = self.apps.get_or_create(app_id, lambda: AppState(app_id))
        if app is not None:
            app.principals.add(seen.principal)
            app.span = widen(app.span, seen.ref.event_time)
            if seen.event.get("eventCategory") == "Data":
                app.data_events += 1
            else:
                app.management_events += 1
        return app

    def _qbusiness(self, seen: Seen) -> None:
        name = seen.name or ""
        request = _request(seen)
        response = _response(seen)
        app_id = first_text(request, "applicationId") or first_text(response, "applicationId")
        app = self._app(seen, app_id)
        ok = seen.error is None
        if name == "CreateApplication" and app is not None and ok:
            app.created_by = seen.principal
            for key in ("displayName", "name", "identityType", "roleArn"):
                value = first_text(request, key)
                if value:
                    app.attributes[key] = value
            self.book.add("q3", "application created", seen)
        elif name == "DeleteApplication" and app is not None and ok:
            app.deleted = True
            self.book.add("q3", "application deleted", seen)
        elif name in ("CreateDataSource", "UpdateDataSource") and app is not None and ok:
            ident = first_text(response, "dataSourceId") or first_text(request, "dataSourceId")
            connector = first_text(request, "configuration.type") or ""
            bucket = first_text(
                request,
                "configuration.connectionConfiguration.repositoryEndpointMetadata.BucketName",
            )
            detail = f"{connector} {bucket}".strip() if bucket else connector
            if ident:
                app.component("data source", ident, detail)
            self.book.add("q3", "data source", seen)
        elif name in _COMPONENT_CALLS and app and ok:
            # Create… names the new id in the response, Update… in the request.
            kind = _COMPONENT_CALLS[name]
            key = {"index": "indexId", "retriever": "retrieverId"}.get(kind, "webExperienceId")
            ident = first_text(response, key) or first_text(request, key)
            detail = first_text(request, "displayName", "title", "type") or ""
            if kind == "retriever":
                # What the retriever reads: the index Amazon Q can then answer from.
                for where in ("native", "kendra"):
                    target = first_text(request, f"configuration.{where}IndexConfiguration.indexId")
                    if target:
                        detail = f"{detail} {where} index {target}".strip()
            origins = list(values_at(request, "origins[]"))
            if origins:
                detail = f"{detail} origins {origins[0]}".strip()
            if ident:
                app.component(kind, ident, detail)
            self.book.add("q3", kind, seen)
        elif name in ("CreateDataAccessor", "UpdateDataAccessor") and app is not None and ok:
            ident = first_text(response, "dataAccessorId") or first_text(request, "dataAccessorId")
            principal = first_text(request, "principal") or ""
            if ident:
                app.component("data accessor", ident, principal)
            self.book.add("q3", "data accessor", seen)
        elif name == "AssociatePermission" and app is not None and ok:
            ident = first_text(request, "statementId") or "?"
            app.component(
                "resource policy statement", ident, first_text(request, "principal") or ""
            )
            self.book.add("q3", "resource policy", seen)
        if name in (
            "CreatePlugin",
            "UpdatePlugin",
            "DeletePlugin",
            "GetPlugin",
            "ListPluginActions",
        ):
            self._plugin_admin(seen, "qbusiness", app_id)
        if name in ("Chat", "ChatSync") and app is not None:
            app.chats += 1
            self._chat(seen, app, request)
        elif name in ("StartDataSourceSyncJob", "StopDataSourceSyncJob") and app is not None:
            app.syncs += 1
            self.book.add("q4", "data source sync", seen)
        elif name == "SearchRelevantContent" and app is not None:
            app.searchers.add(seen.principal)
            self.book.add("q4", "content search", seen)
        elif name == "BatchPutDocument" and app is not None and ok:
            self._documents(seen, app, request)

    def _chat(self, seen: Seen, app: AppState, request: Any) -> None:
        plugin = first_text(
            request,
            "actionExecution.pluginId",
            "chatModeConfiguration.pluginConfiguration.pluginId",
        )
        mode = first_text(request, "chatMode")
        if plugin and seen.error is None:
            app.plugin_runs += 1
            state = self.plugins.get_or_create(
                ("qbusiness", plugin), lambda: PluginState("qbusiness", plugin, app.app_id)
            )
            if state is not None:
                state.runs += 1
                state.invokers.add(seen.principal)
                state.span = widen(state.span, seen.ref.event_time)
            self.book.add("q2", f"plugin {plugin} invoked", seen)
            self.book.add("q4", "plugin invoked", seen)
        elif mode == "PLUGIN_MODE":
            self.book.add("q2", "plugin mode chat (failed or no plugin id)", seen)
        else:
            self.book.add("q4", "chat", seen)
        for name in values_at(request, "attachments[].name"):
            if isinstance(name, str):
                self._upload(seen, "Q Business chat attachment", _extension(name), name)

    def _documents(self, seen: Seen, app: AppState, request: Any) -> None:
        documents = request.get("documents") if isinstance(request, dict) else None
        for document in documents if isinstance(documents, list) else []:
            if not isinstance(document, dict):
                continue
            app.uploads += 1
            ident = document.get("id")
            kind = document.get("contentType")
            if not isinstance(kind, str):
                kind = _extension(ident) if isinstance(ident, str) else "(unknown)"
            self._upload(
                seen, "Q Business index document", kind, ident if isinstance(ident, str) else None
            )

    def _upload(self, seen: Seen, surface: str, kind: str, name: str | None) -> None:
        state = self.uploads.get_or_create((surface, kind), CountState)
        if state is not None:
            state.add(seen, name)
        self.book.add("q5", f"{surface} {kind}", seen)

    def _plugin_admin(self, seen: Seen, surface: str, app_id: str | None) -> None:
        request = _request(seen)
        name = seen.name or ""
        ident = first_text(_response(seen), "pluginId") or first_text(request, "pluginId")
        if not ident and surface == "q":
            ident = first_text(request, "pluginProvider")
        if not ident:
            return
        state = self.plugins.get_or_create(
            (surface, ident), lambda: PluginState(surface, ident, app_id)
        )
        if state is None:
            return
        state.events += 1
        state.span = widen(state.span, seen.ref.event_time)
        if seen.error is not None:
            self.book.add("q2", "plugin call failed", seen)
            return
        for key in ("displayName", "type", "serverUrl", "pluginProvider", "url", "state"):
            value = first_text(request, key)
            if value:
                state.attributes[key] = value
        auth = request.get("authConfiguration") if isinstance(request, dict) else None
        if isinstance(auth, dict) and auth:
            state.attributes["auth"] = ",".join(sorted(auth))
        if name.startswith("Create"):
            state.created_by = seen.principal
            state.status = "created"
        elif name.startswith("Delete"):
            state.status = "deleted"
        elif name.startswith("Update") and state.status == "seen":
            state.status = "changed"
        category = "plugin read" if name.startswith(("Get", "List")) else "plugin changed"
        if app_id:
            app = self.apps.get(app_id)
            if app is not None and name == "CreatePlugin":
                app.component("plugin", ident, state.attributes.get("displayName", ""))
        self.book.add("q2", category, seen)
        if name == "CreatePlugin":
            self.book.add("q3", "plugin", seen)

    # --- other Q surfaces --------------------------------------------------------------

    def _qapps(self, seen: Seen) -> None:
        request = _request(seen)
        app_id = first_text(request, "instance-id", "instanceId", "application-id")
        self._app(seen, app_id)
        name = seen.name or ""
        if name in (
            "ImportDocument",
            "CreatePresignedUrl",
            "ImportDocumentToQApp",
            "ImportDocumentToQAppSession",
        ):
            file_name = first_text(request, "fileName")
            self._upload(
                seen,
                "Q Apps file",
                _extension(file_name) if file_name else "(not logged)",
                file_name,
            )

    def _codewhisperer(self, seen: Seen) -> None:
        self.developer_events += 1
        if seen.event.get("eventCategory") == "Data":
            self.developer_data_events += 1
        request = _request(seen)
        profile = first_text(request, "profileArn")
        if profile:
            self.profiles.add(profile)
        customization = first_text(request, "customizationArn")
        if customization:
            self.customizations.add(customization)
        category = first_text(request, "userContext.ideCategory")
        if category:
            self.ide_categories.add(category)
        name = seen.name or ""
        if name in ("CreateUploadUrl", "CreateArtifactUploadUrl"):
            kind = "/".join(
                v
                for v in (first_text(request, "artifactType"), first_text(request, "uploadIntent"))
                if v
            )
            self._upload(seen, "Q Developer upload", kind or "(not logged)", None)
        elif name == "CreateCustomization":
            source = (
                "repository connection"
                if list(values_at(request, "dataReference.codeStarReference"))
                else "S3 prefix"
                if list(values_at(request, "dataReference.s3Reference"))
                else "(not logged)"
            )
            self._upload(seen, "Q Developer customization source", source, None)
            self.book.add("q3", "customization", seen)
            self.book.add("q6", "customization", seen)
        elif name in ("CreateProfile", "UpdateProfile", "DeleteProfile"):
            self.book.add("q6", "profile changed", seen)
        self._client(seen)

    def _q(self, seen: Seen) -> None:
        name = seen.name or ""
        if name in ("CreatePlugin", "UpdatePlugin", "DeletePlugin", "UsePlugin"):
            self._plugin_admin(seen, "q", None)
        elif name in ("CreateOAuthAppConnection", "UpdateOAuthAppConnection", "CreateAuthGrant"):
            self.book.add("q3", "third-party connection", seen)
        elif name in ("CreateAssignment", "DeleteAssignment") and seen.error is None:
            ident = first_text(_request(seen), "principalId") or "?"
            state = self.assignments.get_or_create(f"{name}:{ident}", CountState)
            if state is not None:
                state.add(seen, ident)
            self.book.add("q6", "Q Developer assignment", seen)
        elif name == "PassRequest":
            self.book.add("q4", "PassRequest", seen)

    def _wisdom(self, seen: Seen) -> None:
        name = seen.name or ""
        request = _request(seen)
        if name in ("StartContentUpload", "CreateContent", "UpdateContent") and seen.error is None:
            kind = first_text(request, "contentType") or "(not logged)"
            self._upload(seen, "Q in Connect content", kind, first_text(request, "name", "title"))

    def _client(self, seen: Seen) -> None:
        client = q_client(seen.agent)
        if client is None or client in AGENT_CLIENTS:
            return
        match = _VERSION.search(seen.agent or "")
        version = (match.group(1) or match.group(2)) if match else "?"
        state = self.clients.get_or_create((client, version), CountState)
        if state is not None:
            if not state.events:
                self.book.add("q6", f"{client} {version}", seen)
            state.add(seen)

    # --- Q reaching other services -------------------------------------------------------

    def _through_q(self, seen: Seen) -> None:
        surface = next(
            (s for s in seen.surfaces if s == ON_BEHALF_SURFACE or s in AGENT_CLIENTS), None
        )
        if surface is None:
            # a Q client calling another service than codewhisperer (which counts its own)
            if seen.source != "codewhisperer.amazonaws.com":
                self._client(seen)
            return
        source = seen.source or "?"
        state = self.targets.get_or_create((surface, source), TargetState)
        if state is not None:
            state.events += 1
            if seen.error:
                state.errors += 1
            if not is_read_only(seen.event):
                state.mutating += 1
            state.names.add(seen.name or "?")
            state.principals.add(seen.principal)
            state.span = widen(state.span, seen.ref.event_time)
        mutating = "write" if not is_read_only(seen.event) else "read"
        self.book.add("q4", f"{surface} {mutating}", seen)
        if surface == "Q IDE agent (AWS CLI)":
            self.book.add("q6", "IDE agent ran the AWS CLI", seen)

    def _sts(self, seen: Seen) -> None:
        invoked = seen.identity.get("invokedBy")
        if not (isinstance(invoked, str) and invoked in Q_SERVICE_PRINCIPALS):
            return
        if not (seen.name or "").startswith("AssumeRole"):
            return
        role = first_text(_request(seen), "roleArn") or "?"
        state = self.role_uses.get_or_create((invoked, role), CountState)
        if state is not None:
            state.add(seen)
        self.book.add("q4", f"{invoked} assumed a role", seen)

    def _iam(self, seen: Seen) -> None:
        if seen.name not in ("CreateRole", "UpdateAssumeRolePolicy") or seen.error:
            return
        request = _request(seen)
        document = first_text(request, "assumeRolePolicyDocument", "policyDocument") or ""
        trusted = [host for host in Q_SERVICE_PRINCIPALS if host in document]
        role = first_text(request, "roleName")
        if trusted and role:
            state = self.trusts.get_or_create(role, CountState)
            if state is not None:
                state.add(seen, ",".join(trusted))
            self.book.add("q3", "role trusting an Amazon Q service", seen)
