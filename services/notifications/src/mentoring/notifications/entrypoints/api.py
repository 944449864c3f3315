"""HTTP API of notifications: a person's inbox and preferences (`/me`, the token's `sub` is the
person id), and the tenant's webhook subscriptions (coordinators)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from sqlalchemy import select

from mentoring.kit.auth import Principal, Role
from mentoring.kit.errors import Forbidden, NotFound
from mentoring.kit.web import Offset, kit, require, tenant_session
from mentoring.notifications.adapters.endpoints import DeliveryRecord, Endpoint
from mentoring.notifications.adapters.tables import kit as kit_tables
from mentoring.notifications.adapters.templates import Renderer
from mentoring.notifications.adapters.webhooks import UrlPolicy
from mentoring.notifications.domain.model import Preferences
from mentoring.notifications.service_layer import inbox as inbox_cases
from mentoring.notifications.service_layer import webhooks as webhook_cases
from mentoring.notifications.service_layer.ingest import SUBSCRIBABLE_TYPES
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork

router = APIRouter(prefix="/api/v1")

Person = Annotated[Principal, Depends(require())]
Coordinator = Annotated[Principal, Depends(require(Role.COORDINATOR))]


def _uow(request: Request, principal: Principal) -> NotificationsUnitOfWork:
    ctx = kit(request)
    return NotificationsUnitOfWork(ctx.sessions, ctx.extras["outbox"], principal.tenant_id)


def _renderer(request: Request) -> Renderer:
    renderer: Renderer = kit(request).extras["renderer"]
    return renderer


def _me(principal: Principal) -> UUID:
    if principal.participant_id is None:
        raise Forbidden("the inbox belongs to a person: the token's sub must be a person id")
    return principal.participant_id


# -- the tenant ----------------------------------------------------------------------------


class TenantOut(BaseModel):
    id: UUID
    name: str
    slug: str
    default_locale: str
    provisioned_at: datetime


@router.get("/tenant", response_model=TenantOut, tags=["tenant"])
async def my_tenant(request: Request, principal: Person) -> TenantOut:
    """The caller's ministry as this service knows it (from `matching.tenant_provisioned.v1`)."""
    table = kit_tables.tenant_replica
    assert table is not None
    async with tenant_session(request, principal.tenant_id) as session:
        row = (await session.execute(select(table))).first()
    if row is None:
        raise NotFound("this service has not heard of your tenant yet")
    return TenantOut(
        id=row.tenant_id,
        name=row.name,
        slug=row.slug,
        default_locale=row.default_locale,
        provisioned_at=row.provisioned_at,
    )


# -- the in-app inbox ----------------------------------------------------------------------


class NotificationOut(BaseModel):
    id: UUID
    kind: str
    subject: str
    body: str
    locale: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, item: inbox_cases.InboxItem) -> NotificationOut:
        return cls(
            id=item.notification_id,
            kind=item.kind,
            subject=item.subject,
            body=item.body,
            locale=item.locale,
            data=item.data,
            created_at=item.created_at,
            read_at=item.read_at,
        )


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int
    limit: int
    offset: int


class MarkedOut(BaseModel):
    marked: int


@router.get("/me/notifications", response_model=NotificationPage, tags=["inbox"])
async def list_notifications(
    request: Request,
    principal: Person,
    unread: Annotated[bool, Query(description="Only unread notifications.")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> NotificationPage:
    """Your notifications, newest first, in your language."""
    page = await inbox_cases.list_inbox(
        _uow(request, principal),
        _renderer(request),
        _me(principal),
        unread_only=unread,
        limit=limit,
        offset=offset,
    )
    return NotificationPage(
        items=[NotificationOut.of(i) for i in page.items],
        total=page.total,
        unread=page.unread,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/me/notifications/{notification_id}/read", response_model=NotificationOut, tags=["inbox"]
)
async def mark_notification_read(
    notification_id: UUID, request: Request, principal: Person
) -> NotificationOut:
    item = await inbox_cases.mark_read(
        _uow(request, principal), _renderer(request), _me(principal), notification_id
    )
    return NotificationOut.of(item)


@router.post("/me/notifications/read-all", response_model=MarkedOut, tags=["inbox"])
async def mark_all_notifications_read(request: Request, principal: Person) -> MarkedOut:
    return MarkedOut(
        marked=await inbox_cases.mark_all_read(_uow(request, principal), _me(principal))
    )


# -- preferences ---------------------------------------------------------------------------


# A wall-clock time in the person's time zone, "HH:MM[:SS]". JSON Schema's "time" format means
# RFC 3339 full-time, which requires an offset; these times have none, so say what they are.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "description": "A local time, HH:MM or HH:MM:SS.",
        }
    ),
]


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: LocalTime = Field(examples=["22:00"])
    end: LocalTime = Field(examples=["07:00"])


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Literal["in_app", "email"]] = Field(
        default=["in_app", "email"],
        max_length=2,
        description="in_app is always on; leave out email to receive none.",
    )
    quiet_hours: QuietHours | None = Field(
        default=None, description="E-mails wait until the window ends (in your time zone)."
    )
    timezone: str = Field(default="Europe/Warsaw", min_length=1, max_length=64)
    digest: bool = Field(default=False, description="Collect the day's e-mails into one.")
    digest_time: LocalTime = Field(default=time(17, 0), description="When the digest is sent.")


class PreferencesOut(PreferencesIn):
    @classmethod
    def of(cls, p: Preferences) -> PreferencesOut:
        quiet = (
            QuietHours(start=p.quiet_start, end=p.quiet_end)
            if p.quiet_start is not None and p.quiet_end is not None
            else None
        )
        return cls(
            channels=["in_app", "email"] if p.email else ["in_app"],
            quiet_hours=quiet,
            timezone=p.timezone,
            digest=p.digest,
            digest_time=p.digest_time,
        )


@router.get("/me/preferences", response_model=PreferencesOut, tags=["preferences"])
async def get_preferences(request: Request, principal: Person) -> PreferencesOut:
    prefs = await inbox_cases.get_preferences(_uow(request, principal), _me(principal))
    return PreferencesOut.of(prefs)


@router.put("/me/preferences", response_model=PreferencesOut, tags=["preferences"])
async def put_preferences(
    body: PreferencesIn, request: Request, principal: Person
) -> PreferencesOut:
    prefs = Preferences(
        email="email" in body.channels,
        quiet_start=body.quiet_hours.start.replace(tzinfo=None) if body.quiet_hours else None,
        quiet_end=body.quiet_hours.end.replace(tzinfo=None) if body.quiet_hours else None,
        timezone=body.timezone,
        digest=body.digest,
        digest_time=body.digest_time.replace(tzinfo=None),
    )
    saved = await inbox_cases.set_preferences(_uow(request, principal), _me(principal), prefs)
    return PreferencesOut.of(saved)


# -- webhooks ------------------------------------------------------------------------------


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, examples=["https://hr.example.gov.pl/hooks"])
    event_types: list[str] = Field(min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=500)


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_types: list[str] | None = Field(default=None, min_length=1, max_length=64)
    active: bool | None = None


class WebhookOut(BaseModel):
    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, e: Endpoint) -> WebhookOut:
        return cls(
            id=e.endpoint_id,
            url=e.url,
            event_types=e.event_types,
            description=e.description,
            active=e.active,
            created_at=e.created_at,
        )


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="whsec_... - shown only now; verify signatures with it.")

    @classmethod
    def with_secret(cls, e: Endpoint) -> WebhookWithSecret:
        return cls(**WebhookOut.of(e).model_dump(), secret=e.secret)


class WebhookPage(BaseModel):
    items: list[WebhookOut]
    total: int
    limit: int
    offset: int


class DeliveryOut(BaseModel):
    id: UUID
    event_type: str
    event_id: UUID | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, d: DeliveryRecord) -> DeliveryOut:
        return cls(
            id=d.delivery_id,
            event_type=d.event_type,
            event_id=d.event_id,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_error=d.last_error,
            created_at=d.created_at,
            finished_at=d.finished_at,
        )


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


@router.get("/webhooks/event-types", response_model=list[str], tags=["webhooks"])
async def subscribable_event_types(_p: Coordinator) -> list[str]:
    return list(SUBSCRIBABLE_TYPES)


@router.post("/webhooks", status_code=201, response_model=WebhookWithSecret, tags=["webhooks"])
async def register_webhook(
    body: WebhookIn, request: Request, principal: Coordinator
) -> WebhookWithSecret:
    """Subscribe an endpoint to event types of your tenant; the response holds its secret."""
    policy: UrlPolicy = kit(request).extras["url_policy"]
    endpoint = await webhook_cases.register_endpoint(
        webhook_cases.RegisterEndpoint(
            url=body.url,
            event_types=body.event_types,
            description=body.description,
            created_by=principal.subject,
        ),
        _uow(request, principal),
        policy,
    )
    return WebhookWithSecret.with_secret(endpoint)


@router.get("/webhooks", response_model=WebhookPage, tags=["webhooks"])
async def list_webhooks(
    request: Request,
    principal: Coordinator,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> WebhookPage:
    items, total = await webhook_cases.list_endpoints(
        _uow(request, principal), limit=limit, offset=offset
    )
    return WebhookPage(
        items=[WebhookOut.of(e) for e in items], total=total, limit=limit, offset=offset
    )


@router.get("/webhooks/{endpoint_id}", response_model=WebhookOut, tags=["webhooks"])
async def get_webhook(endpoint_id: UUID, request: Request, principal: Coordinator) -> WebhookOut:
    return WebhookOut.of(await webhook_cases.get_endpoint(_uow(request, principal), endpoint_id))


@router.patch("/webhooks/{endpoint_id}", response_model=WebhookOut, tags=["webhooks"])
async def update_webhook(
    endpoint_id: UUID, body: WebhookPatch, request: Request, principal: Coordinator
) -> WebhookOut:
    endpoint = await webhook_cases.update_endpoint(
        _uow(request, principal), endpoint_id, event_types=body.event_types, active=body.active
    )
    return WebhookOut.of(endpoint)


@router.post("/webhooks/{endpoint_id}/secret", response_model=WebhookWithSecret, tags=["webhooks"])
async def rotate_webhook_secret(
    endpoint_id: UUID, request: Request, principal: Coordinator
) -> WebhookWithSecret:
    """A new secret; deliveries from now on are signed with it."""
    endpoint = await webhook_cases.rotate_secret(_uow(request, principal), endpoint_id)
    return WebhookWithSecret.with_secret(endpoint)


@router.delete("/webhooks/{endpoint_id}", status_code=204, tags=["webhooks"])
async def delete_webhook(endpoint_id: UUID, request: Request, principal: Coordinator) -> Response:
    await webhook_cases.delete_endpoint(_uow(request, principal), endpoint_id)
    return Response(status_code=204)


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=DeliveryPage, tags=["webhooks"])
async def list_webhook_deliveries(  # noqa: PLR0917 - FastAPI parameters
    endpoint_id: UUID,
    request: Request,
    principal: Coordinator,
    status: Annotated[Literal["pending", "sent", "failed", "cancelled"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> DeliveryPage:
    items, total = await webhook_cases.list_deliveries(
        _uow(request, principal), endpoint_id, status=status, limit=limit, offset=offset
    )
    return DeliveryPage(
        items=[DeliveryOut.of(d) for d in items], total=total, limit=limit, offset=offset
    )
