"""``coach roleplay`` with piped stdin (Typer's CliRunner) and the scripted model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import REPO_ROOT, Settings
from assistant.llm.fake import ScriptedModel
from assistant.roleplay import cli as roleplay_cli
from assistant.roleplay.service import RoleplayService

runner = CliRunner()


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RoleplayService:
    """Each CLI run gets a new service (and closes it), as separate processes would; they
    share the data directory and one scripted model. Returns one more for inspection."""
    settings = Settings(data_dir=tmp_path / "data", model="embedded/test",
                        prompts_dir=REPO_ROOT / "prompts")
    model = ScriptedModel(["I did everything on my list.", "Fine, Friday works.",
                           "You listened well.", "Okay, I hear you."])
    build = RoleplayService.from_settings

    def factory(*args: Any, **kwargs: Any) -> RoleplayService:
        return build(settings, model=model)

    monkeypatch.setattr(roleplay_cli.RoleplayService, "from_settings", factory)
    return build(settings, model=model)


def test_list_scenarios(service: RoleplayService) -> None:
    result = runner.invoke(app, ["roleplay", "--list", "--language", "zh"])
    assert result.exit_code == 0, result.output
    assert "disputes_rating" in result.output and "员工对评分有异议" in result.output


def test_piped_conversation_with_debrief_and_resume(service: RoleplayService,
                                                     tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("Jordan is lazy and misses deadlines.", encoding="utf-8")
    script = ("How do you see this year?\n"
              "Let's agree you will send me a plan by Friday.\n"
              "/debrief\n/quit\n")
    result = runner.invoke(app, ["roleplay", "--scenario", "disputes_rating", "--draft",
                                 str(draft), "--rating", "2"], input=script)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "I don't agree with this rating" in out  # the opening line
    assert "I did everything on my list." in out and "Fine, Friday works." in out
    assert "hint:" in out and "trust" in out and "stress" in out
    assert "Debrief" in out and "Revised draft" in out and "Development plan" in out
    sid = re.search(r"--session ([A-Za-z0-9_-]+)", out)
    assert sid is not None
    resumed = runner.invoke(app, ["roleplay", "--session", sid.group(1)],
                            input="What would help?\n")
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming session" in resumed.output
    assert "How do you see this year?" in resumed.output  # earlier turns shown
    session = service.get_session(owner="local", session_id=sid.group(1))
    assert sum(e["speaker"] == "manager" for e in session["transcript"]) == 3


def test_bad_input_is_a_clear_error(service: RoleplayService, tmp_path: Path) -> None:
    result = runner.invoke(app, ["roleplay", "--scenario", "nope"], input="/quit\n")
    assert result.exit_code == 2 and "no scenario" in result.output
    result = runner.invoke(app, ["roleplay", "--session", "not-a-session"], input="/quit\n")
    assert result.exit_code == 2 and "no such session" in result.output
    result = runner.invoke(app, ["roleplay", "--scenario", "gets_upset", "--draft",
                                 str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "no such file" in result.output
    long_line = "x" * 3000
    result = runner.invoke(app, ["roleplay", "--scenario", "gets_upset"],
                           input=f"{long_line}\n/quit\n")
    assert result.exit_code == 0 and "limit" in result.output
    assert "Traceback" not in result.output
