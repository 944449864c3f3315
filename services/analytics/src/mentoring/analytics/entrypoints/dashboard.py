"""The dashboard page: server-rendered HTML (Jinja2) with charts drawn by the vendored Chart.js.

The page's data travels in a JSON island read by dashboard.js; the Content-Security-Policy
allows scripts and styles from this service only. Auth: see auth.py (token once in the address,
then an HttpOnly cookie). Language: `?lang=pl|en` (kept in a cookie), else the tenant's default.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID

import jwt
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from mentoring.analytics.adapters.tables import kit as kit_tables
from mentoring.analytics.domain.figures import MONTHLY_FIGURES
from mentoring.analytics.domain.months import format_month
from mentoring.analytics.domain.privacy import Value
from mentoring.analytics.entrypoints import tables as exports
from mentoring.analytics.entrypoints.api import filters_of
from mentoring.analytics.entrypoints.api import today as today_of
from mentoring.analytics.entrypoints.auth import (
    LANG_COOKIE,
    TOKEN_COOKIE,
    VIEWERS,
    admit,
    bearer_or_cookie,
)
from mentoring.analytics.entrypoints.i18n import LANGUAGES, instrument_label, t, texts
from mentoring.analytics.service_layer.dashboard import DashboardView, load_dashboard
from mentoring.kit.auth import AuthError, ForbiddenError, Principal
from mentoring.kit.errors import InvalidInput
from mentoring.kit.settings import Environment as Deployment
from mentoring.kit.web import kit, tenant_session

router = APIRouter(include_in_schema=False)

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
FIGURE_ORDER = (
    "enrolled_mentors",
    "enrolled_mentees",
    "match_rate",
    "time_to_match_days",
    "acceptance_rate",
    "pairs_started",
    "active_pairs",
    "pairs_ended_completed",
    "pairs_ended_rematch",
    "pairs_ended_withdrawn",
    "pairs_ended_inactive",
    "sessions_logged",
    "sessions_per_pair_per_month",
    "mentoring_hours",
    "goal_completion",
    "average_rating",
    "fit_check_failures",
    "fit_check_failure_rate",
    "checkin_response_rate",
    "cross_unit_share",
    "cost_per_active_pair",
    "notifications_sent",
    "notifications_failed",
)
PERCENT = frozenset(
    {
        "match_rate",
        "acceptance_rate",
        "goal_completion",
        "fit_check_failure_rate",
        "checkin_response_rate",
        "cross_unit_share",
        "share",
    }
)


def number(lang: str, value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return ""
    if percent:
        text = f"{value * 100:.1f}".rstrip("0").rstrip(".") + " %"
    elif value == int(value):
        text = f"{int(value):,}".replace(",", "\u00a0")
    else:
        text = f"{value:,.2f}".replace(",", "\u00a0")
    return text.replace(".", ",") if lang == "pl" else text


def shown(lang: str, v: Value, *, percent: bool = False) -> dict[str, Any]:
    if v.suppressed:
        return {"text": t(lang, "suppressed"), "suppressed": True}
    if v.value is None:
        return {"text": t(lang, "no_data"), "suppressed": False, "empty": True}
    return {"text": number(lang, v.value, percent=percent), "suppressed": False}


def _series(values: list[Value]) -> list[float | None]:
    return [v.value for v in values]


def chart_data(lang: str, view: DashboardView) -> dict[str, Any]:
    d = view.dashboard
    months = [format_month(r.month) for r in d.monthly]

    def monthly(name: str) -> list[float | None]:
        return _series([r.values[name] for r in d.monthly])

    return {
        "lang": lang,
        "suppressedNote": t(lang, "suppressed"),
        "sessions": {
            "months": months,
            "sessions": monthly("sessions_logged"),
            "hours": monthly("mentoring_hours"),
            "labels": [t(lang, "sessions_logged"), t(lang, "mentoring_hours")],
        },
        "funnel": {
            "labels": [t(lang, f"stage_{stage}") for stage, _ in d.funnel],
            "values": _series([v for _, v in d.funnel]),
            "label": t(lang, "col_mentees"),
        },
        "ratings": {
            "labels": [str(r.rating) for r in d.ratings],
            "values": _series([r.count for r in d.ratings]),
            "label": t(lang, "col_count"),
        },
        "surveys": {
            "labels": [instrument_label(lang, r.instrument) for r in d.surveys],
            "start": _series([r.waves["start"] for r in d.surveys]),
            "end": _series([r.waves["end"] for r in d.surveys]),
            "startLabel": t(lang, "col_start"),
            "endLabel": t(lang, "col_end"),
        },
        "crossUnits": {
            "share": d.figures["cross_unit_share"].value,
            "labels": [t(lang, "cross_unit_share"), "—"],
        },
    }


def _language(request: Request, lang: str | None, tenant_locale: str | None) -> str:
    for candidate in (lang, request.cookies.get(LANG_COOKIE), tenant_locale):
        if candidate in LANGUAGES:
            return candidate
    return "pl"


def _without_token(request: Request) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    return request.url.path + (("?" + urlencode(query)) if query else "")


def _page(status: int, lang: str, message: str) -> HTMLResponse:
    body = TEMPLATES.get_template("message.html").render(lang=lang, message=message)
    return HTMLResponse(body, status_code=status, headers={"Content-Security-Policy": CSP})


def _secure_cookies(request: Request) -> bool:
    return kit(request).settings.environment is Deployment.PRODUCTION


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    *,
    programme_id: Annotated[str | None, Query(max_length=36)] = None,
    first: Annotated[str | None, Query(alias="from", max_length=7)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=7)] = None,
    lang: Annotated[Literal["pl", "en"] | None, Query()] = None,
    token: Annotated[str | None, Query(max_length=8192)] = None,
) -> Response:
    """The tenant's dashboard (coordinators and analysts). Empty filter fields mean "all"."""
    fallback = lang or request.cookies.get(LANG_COOKIE) or "pl"
    try:
        if token is not None:
            principal = admit(request, token, *VIEWERS)
            response = RedirectResponse(_without_token(request), status_code=303)
            claims = jwt.decode(token, options={"verify_signature": False})
            response.set_cookie(
                TOKEN_COOKIE,
                token,
                max_age=max(1, int(claims.get("exp", 0) - time.time())),
                httponly=True,
                samesite="strict",
                secure=_secure_cookies(request),
                path="/",
            )
            return response
        principal = admit(request, bearer_or_cookie(request), *VIEWERS)
    except AuthError:
        return _page(401, fallback, t(fallback, "sign_in"))
    except ForbiddenError as exc:
        return _page(403, fallback, str(exc))
    try:
        programme = UUID(programme_id) if programme_id else None
    except ValueError:
        raise InvalidInput("programme_id is not a programme id") from None
    return await _render(
        request,
        principal=principal,
        programme_id=programme,
        first=first or None,
        last=last or None,
        lang=lang,
    )


async def _render(
    request: Request,
    *,
    principal: Principal,
    programme_id: UUID | None,
    first: str | None,
    last: str | None,
    lang: str | None,
) -> Response:
    filters = filters_of(programme_id, first, last)
    replica = kit_tables.tenant_replica
    assert replica is not None
    async with tenant_session(request, principal.tenant_id) as session:
        tenant = (await session.execute(select(replica))).first()
        view = await load_dashboard(session, principal.tenant_id, filters, today_of(request))
    language = _language(request, lang, tenant.default_locale if tenant else None)
    period = view.dashboard.period
    query = {
        k: v
        for k, v in {
            "programme_id": str(programme_id) if programme_id else None,
            "from": format_month(period.first),
            "to": format_month(period.last),
        }.items()
        if v
    }
    tables = exports.build_tables(view)
    body = TEMPLATES.get_template("dashboard.html").render(
        lang=language,
        other_languages=[x for x in LANGUAGES if x != language],
        tx=texts(language),
        tenant_name=tenant.name if tenant else None,
        view=view,
        period_first=format_month(period.first),
        period_last=format_month(period.last),
        programme_id=str(programme_id) if programme_id else "",
        figures=[
            {
                "key": key,
                "label": t(language, key),
                **shown(language, view.dashboard.figures[key], percent=key in PERCENT),
            }
            for key in FIGURE_ORDER
            if key in view.dashboard.figures
        ],
        monthly_columns=[t(language, c) for c in MONTHLY_FIGURES],
        monthly_rows=[
            (
                format_month(r.month),
                [shown(language, r.values[c], percent=c in PERCENT) for c in MONTHLY_FIGURES],
            )
            for r in view.dashboard.monthly
        ],
        cells=_matrix(language, view),
        export_tables=[(name, t(language, f"table_{name}")) for name in exports.TABLES],
        export_query=urlencode({**query, "lang": language}),
        language_query={x: urlencode({**query, "lang": x}) for x in LANGUAGES},
        chart_json=json.dumps(chart_data(language, view)).replace("</", "<\\/"),
        tables=tables,
    )
    response = HTMLResponse(
        body, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
    )
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict", path="/")
    return response


def _matrix(lang: str, view: DashboardView) -> dict[str, Any]:
    cells = view.dashboard.cross_units
    mentor_units = sorted({c.mentor_unit_id for c in cells}, key=str)
    mentee_units = sorted({c.mentee_unit_id for c in cells}, key=str)
    top = max((c.pairs.value or 0 for c in cells), default=0) or 1
    grid = {(c.mentor_unit_id, c.mentee_unit_id): c.pairs for c in cells}
    rows = []
    for a in mentor_units:
        row = []
        for b in mentee_units:
            v = grid.get((a, b))
            if v is None:
                row.append({"text": "", "heat": 0})
            elif v.suppressed:
                row.append({"text": t(lang, "suppressed_short"), "heat": "s"})
            else:
                row.append(
                    {"text": number(lang, v.value), "heat": 1 + int(4 * (v.value or 0) / top)}
                )
        rows.append((str(a)[:8], row))
    return {"columns": [str(b)[:8] for b in mentee_units], "rows": rows}
