"""Schemathesis over the OpenAPI spec: generated requests (valid and invalid) against every
operation must never produce a server error. Bounded to a few examples per operation."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from api_support import CRITIQUE_REPLY, PERSONA_LINES, make_coach
from conftest import FakeRetriever
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.main import create_app
from assistant.config import Settings
from assistant.llm.fake import ScriptedModel
from assistant.roleplay.service import RoleplayService

REWRITE = "The draft, kept, with [a concrete example] and [a next step]."

_settings = Settings(
    data_dir=Path(tempfile.mkdtemp(prefix="coach-schemathesis-")),
    model="embedded/test",
    rate_limit_per_minute=0,  # fuzzing is not rate-limited: every example reaches the routes
)
# Enough replies for every generated request; a reply in the wrong place only degrades.
_model = ScriptedModel([CRITIQUE_REPLY, REWRITE] * 2000)
# Role-play: its own scripted persona (a repeated line is rejected and retried: plenty left).
_roleplay = RoleplayService.from_settings(
    _settings, model=ScriptedModel([*PERSONA_LINES, "Keep practising."] * 1000))
app = create_app(_settings, coach=make_coach(_settings, FakeRetriever(), _model),
                 roleplay=_roleplay)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
