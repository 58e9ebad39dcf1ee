"""The questionnaire_import and questionnaire_export commands, and JSON definitions in and out through the
same checks as XLSForms (questionnaires/definitions.py)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from pyxform.xls2xform import convert

from questionnaires.definitions import (
    DATA_DIR,
    DefinitionInvalid,
    definition_export,
    definition_problems,
    questionnaire_draft_import,
)
from questionnaires.models import Question, Questionnaire
from questionnaires.xlsform import questionnaire_file_import
from tests.questionnaires.test_xlsform import SAMPLES, counts, schema_summary


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_export_is_the_bundled_definition(demo):
    bundled = json.loads((DATA_DIR / "questionnaire_iscm_contributions.json").read_text(encoding="utf-8"))
    assert definition_export(demo.questionnaire) == bundled


def test_export_then_import_both_formats_with_the_commands(demo, tmp_path):
    for name in ("v1.xlsx", "v1.json"):
        path = tmp_path / name
        _out, err = run("questionnaire_export", "iscm-contributions", "1", "-o", str(path))
        assert f"Wrote iscm-contributions v1 to {path}." in err
        before = Questionnaire.objects.filter(slug="iscm-contributions").count()
        out, _err = run("questionnaire_import", str(path))
        assert out == f"iscm-contributions {before + 1}\n"
        imported = Questionnaire.objects.get(slug="iscm-contributions", version=before + 1)
        assert imported.status == Questionnaire.Status.DRAFT
        assert schema_summary(imported) == schema_summary(demo.questionnaire)
    assert convert(str(tmp_path / "v1.xlsx")).warnings == []


def test_the_commands_say_what_is_wrong(demo, tmp_path):
    with pytest.raises(CommandError, match=r"No questionnaire iscm-contributions v9 \(versions: 1"):
        run("questionnaire_export", "iscm-contributions", "9", "-o", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match=r"ends in \.xlsx \(XLSForm\) or \.json"):
        run("questionnaire_export", "iscm-contributions", "1", "-o", str(tmp_path / "x.csv"))
    before = counts()
    with pytest.raises(CommandError) as refused:
        run("questionnaire_import", str(SAMPLES / "unsupported.xlsx"))
    assert str(refused.value).splitlines()[:3] == [
        "unsupported.xlsx was not imported (7 problems; nothing was created):",
        "- survey row 3: column “repeat_count” is not supported.",
        "- survey row 5: a repeat inside a repeat is not supported: item fields are one level.",
    ]
    assert counts() == before


def definition(**question):
    return {
        "slug": "mini",
        "version": 7,
        "title": {"en": "Mini"},
        "sections": [
            {
                "title": {"en": "Only"},
                "questions": [
                    {
                        "code": "pick",
                        "type": "single_choice",
                        "label": {"en": "Pick"},
                        "choices": [{"code": "a", "label": {"en": "A"}}, {"code": "b", "label": {"en": "B"}}],
                    },  # fmt: skip
                    {"code": "why", "type": "long_text", "label": {"en": "Why?"}} | question,
                ],
            }
        ],
    }


def test_a_json_definition_becomes_the_next_draft_version(db):
    first = questionnaire_draft_import(definition(show_if={"question": "pick", "values": ["b"]}))
    second = questionnaire_draft_import(definition())
    assert [(q.version, q.status) for q in (first, second)] == [(1, "draft"), (2, "draft")]
    assert Question.objects.get(questionnaire=first, code="why").show_if_values == ["b"]


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ({"code": "pick"}, "question pick: the code is used twice."),
        ({"show_if": {"question": "why", "values": ["a"]}}, "question why: the condition is on the question itself."),
        (
            {"show_if": {"question": "later", "values": ["a"]}},
            "question why: the condition is on 'later', which is not an earlier question.",
        ),  # fmt: skip
        ({"type": "multiple_choice", "choice_list": "nope"}, "question why: there is no shared list 'nope'."),
        ({"type": "ranking"}, "question why: type 'ranking' is not supported."),
        ({"label": {"fr": "Pourquoi ?"}}, "question why: the English text is missing."),
        ({"max_choices": 3}, "question why: only a multiple choice question has a maximum of choices."),
        ({"max_length": "long"}, "question why: the maximum length must be a whole number from 1 to 100000."),
    ],
)
def test_a_bad_json_definition_is_refused_with_nothing_created(db, question, problem):
    before = counts()
    with pytest.raises(DefinitionInvalid) as refused:
        questionnaire_draft_import(definition(**question))
    assert problem in refused.value.problems
    assert counts() == before


def test_a_file_that_is_not_json_or_of_another_kind_is_refused(db):
    with pytest.raises(DefinitionInvalid, match="This file is not JSON"):
        questionnaire_file_import(b"\xff\xfe not json", filename="q.json")
    with pytest.raises(DefinitionInvalid, match="The definition is not a JSON object"):
        questionnaire_file_import(b"[1, 2]", filename="q.json")
    with pytest.raises(DefinitionInvalid, match=r"Give an XLSForm \(\.xlsx\) or a JSON definition"):
        questionnaire_file_import(b"a,b", filename="q.csv")


def all_texts(definition):
    """Every {"en": …, "fr": …} of a definition, with where it is."""
    found = [(key, definition[key]) for key in ("title", "description", "annex_title")]
    for section in definition["sections"]:
        found += [(section["title"]["en"], section["title"]), (section["title"]["en"], section["description"])]
        for question in section["questions"]:
            found += [(question["code"], question["label"])] + (
                [(question["code"], question["help"])] if "help" in question else []
            )
            presentation = question.get("presentation", {})
            found += [(question["code"], presentation[key]) for key in ("title", "summary") if key in presentation]
            for choice in question.get("choices", []):
                found.append((f"{question['code']}.{choice['code']}", choice["label"]))
                for key in ("description", "report_phrase"):
                    if key in choice:
                        found.append((f"{question['code']}.{choice['code']}", choice[key]))
    return found


def test_the_demo_has_a_2025_draft_about_current_events_in_four_languages(demo):
    draft = Questionnaire.objects.get(slug="iscm-contributions", version=2)
    assert (draft.status, draft.title_en, draft.campaigns.count()) == ("draft", "ISCM contributions 2025", 0)
    definition = json.loads((DATA_DIR / "questionnaire_iscm_contributions_2025.json").read_text(encoding="utf-8"))
    assert definition_problems(definition) == []
    assert definition_export(draft) == definition
    for where, texts in all_texts(definition):
        assert set(texts) == {"en", "fr", "es", "ar"} and all(texts.values()), where
        assert not any(old in text for text in texts.values() for old in ("COP28", "2024 cycle", "SDG Summit")), where
    codes = [question["code"] for section in definition["sections"] for question in section["questions"]]
    assert {"cop28_message", "gcm_review_plan", "gcm_review_format", "hlpf_message"}.isdisjoint(codes)
    assert {"imrf_plan", "imrf_format", "cop31_message", "hlpf2026_message", "climate_mobility_work"} <= set(codes)
    # Codes of the questions that stay carry over, so that 2023 and 2025 figures compare.
    assert {"sdg_priority", "gcm_priorities", "gcm_practices", "climate_practices"} <= set(codes)
    # Loading the demo again leaves the draft (and every campaign) as it is.
    before = counts()
    run("load_demo")
    assert counts() == before
    assert demo.questionnaire.version == 1
