"""``hymio hq set-survey --scope``: the survey editor's publish and campaign from the
command line, through the same functions (issue 29); a wrong value exits 2, naming it."""

from __future__ import annotations

from sqlalchemy import func, select

from hq.tables.database import open_database
from hq.tables.surveys import SurveyCampaign, SurveyPublication
from tests.hq.cli.test_cli import hymio, url  # noqa: F401 (fixture)

SURVEY = """[survey]
question_id = "christmas"
[survey.question]
fi = "Löysitkö lahjan?"
sv = "Hittade du en gåva?"
en = "Found a gift?"
[survey.followup.prompt]
fi = "Mikä jäi mieleen?"
sv = "Vad stack ut?"
en = "What stood out?"
"""


def rows(url: str) -> tuple[int, int]:  # noqa: F811
    engine, sessions = open_database(url)
    with sessions() as s:
        found = (
            s.scalar(select(func.count()).select_from(SurveyPublication)),
            s.scalar(select(func.count()).select_from(SurveyCampaign)),
        )
    engine.dispose()
    return found


def test_set_survey_publishes_to_a_scope_and_schedules_a_campaign(url, tmp_path, capsys):  # noqa: F811
    for store in ("s1", "s2"):
        hymio("hq", "add-store", "--database", url, "--id", store, "--name", store,
              "--timezone", "Europe/Helsinki")  # fmt: skip
    capsys.readouterr()
    survey = tmp_path / "christmas.toml"
    survey.write_text(SURVEY, encoding="utf-8")
    args = ("hq", "set-survey", "--database", url, "--file", str(survey))
    assert hymio(*args, "--scope", "") == 0
    out = capsys.readouterr().out
    assert "store s1 are now version 1" in out and "store s2 are now version 1" in out
    assert hymio(*args, "--scope", "store:nope") == 2
    assert "scope" in capsys.readouterr().err
    assert hymio(*args, "--scope", "store:s1", "--from", "2026-12-14", "--to", "2026-12-07") == 2
    assert "ends_on" in capsys.readouterr().err
    assert rows(url) == (1, 0)
    assert hymio(*args, "--scope", "store:s1", "--from", "2099-12-14", "--to", "2099-12-20") == 0
    assert "2099-12-14 to 2099-12-20" in capsys.readouterr().out
    assert rows(url) == (1, 1)
    hours = tmp_path / "hours.toml"
    hours.write_text(SURVEY + '[hours]\nsun = "closed"\n', encoding="utf-8")
    assert hymio("hq", "set-survey", "--database", url, "--file", str(hours), "--scope", "") == 2
    assert "--store" in capsys.readouterr().err
