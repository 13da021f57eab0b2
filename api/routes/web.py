"""``/``: the managers' page, ``/roleplay``: the practice chat (Jinja2, own JS and CSS,
nothing from a CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..deps import ServiceDep, SettingsDep

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

router = APIRouter(include_in_schema=False)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
"""The page loads only its own files: no CDN, no inline script."""


def _secure(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The coaching page."""
    return _secure(templates.TemplateResponse(
        request,
        "index.html.j2",
        {"requires_key": bool(settings.api_keys), "max_chars": settings.max_draft_chars},
    ))


@router.get("/roleplay", response_class=HTMLResponse)
async def roleplay(request: Request, service: ServiceDep) -> HTMLResponse:
    """The practice chat. Scenario titles are rendered here (they are not secret), so the
    page needs no API call before a key is typed."""
    settings = service.settings
    scenarios: dict[str, dict[str, str]] = {}
    if service.roleplay is not None:
        for s in service.roleplay.list_scenarios():
            scenarios.setdefault(s.id, {})[s.language] = s.title
            scenarios[s.id][f"persona_{s.language}"] = s.persona
    return _secure(templates.TemplateResponse(
        request,
        "roleplay.html.j2",
        {"requires_key": bool(settings.api_keys), "scenarios": scenarios,
         "max_message": settings.roleplay_max_message_chars,
         "max_draft": settings.max_draft_chars,
         "unavailable": service.roleplay_error},
    ))
