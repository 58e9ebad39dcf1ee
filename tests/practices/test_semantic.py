"""Semantic tag suggestions (optional `[semantic]` extra): the split page without the model (mentions
only), with a stand-in ranking (the wiring), and with the real model when it is installed (skipped
otherwise, as in CI, which installs `.[dev]` only). The measurement on the demo's practices as well."""

from __future__ import annotations

import importlib.util

import pytest
from django.test import Client
from django.urls import reverse

from practices import semantic
from practices.evaluation import chance, demo_cases, evaluate
from practices.text import mentions, mentions_removed
from questionnaires.models import Answer, Response
from tests import factories

MODEL_INSTALLED = importlib.util.find_spec(semantic.PACKAGE) is not None
ANSWER = (
    "- A webinar on collecting migration statistics for a regional data exchange (objective 1).\n"
    "- A workshop on fair recruitment of migrant workers."
)


def _split_page(library, coordinator):
    iscm = factories.IscmFactory(acronym="SACM", region="Americas")
    response = Response.objects.create(
        campaign=library.campaign_2023, iscm=iscm, status=Response.Status.SUBMITTED, language="en"
    )
    answer = Answer.objects.create(response=response, question=library.question, text=ANSWER)
    client = Client()
    client.force_login(coordinator)
    return client.get(reverse("practices:split", args=[answer.pk]))


def test_without_the_model_the_suggestions_are_the_mentions(library, coordinator, settings, monkeypatch):
    settings.PRACTICES_SEMANTIC_SUGGESTIONS = True
    monkeypatch.setattr(semantic, "_installed", lambda: False)
    assert not semantic.available()
    assert semantic.suggest(["anything"], "gcm") == [[]]
    response = _split_page(library, coordinator)
    assert [form.initial["gcm"] for form, _close in response.context["items"]] == [["1"], [], []]
    assert "Close in meaning" not in response.content.decode()


def test_the_split_page_offers_what_is_close_in_meaning_unticked(library, coordinator, settings, monkeypatch):
    settings.PRACTICES_SEMANTIC_SUGGESTIONS = True
    monkeypatch.setattr(semantic, "_installed", lambda: True)
    ranking = {"gcm": ["1", "17", "23", "6"], "sdg": ["17", "10", "8"]}
    monkeypatch.setattr(semantic, "rank", lambda texts, kind: [[(code, 0.5) for code in ranking[kind]] for _ in texts])
    response = _split_page(library, coordinator)
    items = response.context["items"]
    assert [close for _form, close in items] == [
        {"gcm": ["17", "23"], "sdg": ["17", "10", "8"]},  # objective 1 is named: already ticked
        {"gcm": ["1", "17", "23"], "sdg": ["17", "10", "8"]},
        {"gcm": [], "sdg": []},  # the empty extra item
    ]
    assert [form.initial["gcm"] for form, _close in items] == [["1"], [], []]  # suggestions are never ticked
    page = " ".join(response.content.decode().split())
    assert "Close in meaning (not ticked): GCM objectives 17, 23 · SDGs 17, 10, 8</p>" in page


def test_the_setting_turns_the_suggestions_off(settings, monkeypatch):
    monkeypatch.setattr(semantic, "_installed", lambda: True)
    settings.PRACTICES_SEMANTIC_SUGGESTIONS = False
    assert not semantic.available()


def test_mentions_removed_leaves_no_mention():
    for text in (
        "An online seminar on migrants' access to justice (objectives 15 and 16).",
        "Decent work (SDG 8) and remittance costs (SDG 10.c), aligned with objectives GCM 15 and 16.",
        "Seminario de regularización (objetivos 5 y 16).",
        "ورشة عمل (الهدف 23)",
    ):
        stripped = mentions_removed(text)
        assert mentions(stripped).gcm == [] and mentions(stripped).sdg == [], stripped
    assert mentions_removed("Access to justice (objectives 15 and 16).") == "Access to justice."


def test_the_measurement_cases_and_scores():
    cases = demo_cases("gcm")
    assert [(case.iscm, case.named) for case in cases][:2] == [
        ("RIAM", ["5", "16", "20", "22"]),
        ("RIAM", ["3", "4", "5", "11"]),
    ]
    assert len(cases) == 9 and len(demo_cases("sdg")) == 8
    assert all(not mentions(case.text).gcm for case in cases)
    perfect = evaluate(cases, "gcm", rank=lambda texts, kind: [c.named for c in cases], top=3)
    assert perfect.hit_rate == 1.0 and perfect.found == sum(min(3, len(c.named)) for c in cases)
    wrong = evaluate(cases, "gcm", rank=lambda texts, kind: [["99"]] * len(texts), top=3)
    assert wrong.hits == 0 and wrong.recall == 0.0
    hits, recall = chance(cases, "gcm", top=3)
    assert recall == pytest.approx(3 / 23) and 0.2 < hits < 0.3


@pytest.mark.skipif(not MODEL_INSTALLED, reason="the optional [semantic] extra is not installed")
def test_the_real_model_ranks_objectives_by_meaning(settings):
    settings.PRACTICES_SEMANTIC_SUGGESTIONS = True
    consular, trafficking, remittances = semantic.suggest(
        [
            "Consular protection and assistance for our nationals abroad.",
            "Fight against trafficking in persons.",
            "Lower remittance costs.",
        ],
        "gcm",
    )
    assert (consular[0], trafficking[0], remittances[0]) == ("14", "10", "20")
    cases = demo_cases("gcm")
    result = evaluate(
        cases, "gcm", rank=lambda texts, kind: [[c for c, _s in r] for r in semantic.rank(texts, kind)], top=3
    )
    assert result.hits >= 7  # docs/practices.md: 7 of 9 on CPU


def test_the_practice_page_offers_them_to_coordinators_only(library, coordinator, observer, settings, monkeypatch):
    settings.PRACTICES_SEMANTIC_SUGGESTIONS = True
    monkeypatch.setattr(semantic, "_installed", lambda: True)
    ranking = {"gcm": ["23", "1", "2"], "sdg": ["8", "10", "17"]}
    monkeypatch.setattr(semantic, "rank", lambda texts, kind: [[(code, 0.5) for code in ranking[kind]] for _ in texts])
    url = reverse("practices:detail", args=[library.practices["MIDSA"].pk])  # tagged GCM 1, 23 and SDG 8
    client = Client()
    client.force_login(coordinator)
    page = " ".join(client.get(url).content.decode().split())
    assert "Close in meaning (not ticked): GCM objective 2 · SDGs 10, 17</p>" in page
    client.force_login(observer)
    assert "Close in meaning" not in client.get(url).content.decode()
