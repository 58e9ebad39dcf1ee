"""The coordinator splits a long-text answer into practices; the answer itself never changes."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from practices.models import Practice
from questionnaires.models import Answer, Response
from tests import factories

ANSWER = (
    "During the chairmanship, SACM held several activities:\n\n"
    "- An online seminar on access to justice (objectives 15 and 16).\n"
    "- A webinar on migration statistics (objective 1, SDG 17).\n"
    "- A workshop on diasporas (objective 19)."
)


def _answer(library) -> Answer:
    iscm = factories.IscmFactory(acronym="SACM", region="Americas")
    response = Response.objects.create(
        campaign=library.campaign_2023, iscm=iscm, status=Response.Status.SUBMITTED, language="en"
    )
    return Answer.objects.create(response=response, question=library.question, text=ANSWER)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _item(index: int, title: str, description: str, gcm: list[str], keep: bool = True) -> dict[str, object]:
    data = {
        f"item-{index}-title": title,
        f"item-{index}-description": description,
        f"item-{index}-year": "2023",
        f"item-{index}-language": "en",
        f"item-{index}-gcm": gcm,
    }
    if keep:
        data[f"item-{index}-keep"] = "on"
    return data


def test_the_page_proposes_one_practice_per_list_item_tagged_with_its_mentions(library, coordinator):
    answer = _answer(library)
    response = _client(coordinator).get(reverse("practices:split", args=[answer.pk]))
    assert response.status_code == 200
    forms = response.context["forms"]
    proposed = [form.initial for form in forms if form.initial["keep"]]
    assert [item["title"] for item in proposed] == [
        "An online seminar on access to justice (objectives 15 and 16)",
        "A webinar on migration statistics (objective 1, SDG 17)",
        "A workshop on diasporas (objective 19)",
    ]
    assert [item["gcm"] for item in proposed] == [["15", "16"], ["1"], ["19"]]
    assert proposed[1]["sdg"] == ["17"]
    assert len(forms) == 4 and not forms[-1].initial["keep"]  # an empty item to add one the proposal missed
    assert "During the chairmanship, SACM held several activities:" in response.content.decode()


def test_saving_keeps_the_ticked_items_links_them_to_the_answer_and_leaves_it_unchanged(library, coordinator):
    answer = _answer(library)
    body = {
        "items": "4",
        **_item(0, "Seminar on access to justice", "An online seminar.", ["15", "16"]),
        **_item(1, "Webinar", "A webinar.", ["1"], keep=False),
        **_item(2, "Diaspora workshop", "A workshop on diasporas.", ["19", "23"]),
        **_item(3, "", "", [], keep=False),
    }
    response = _client(coordinator).post(reverse("practices:split", args=[answer.pk]), body)
    assert response.status_code == 302
    practices = list(Practice.objects.filter(source_answer=answer).order_by("position"))
    assert [(p.title, p.position) for p in practices] == [
        ("Seminar on access to justice", 1),
        ("Diaspora workshop", 2),
    ]
    assert [sorted(int(c.code) for c in p.gcm_objectives.all()) for p in practices] == [[15, 16], [19, 23]]
    assert {p.iscm.acronym for p in practices} == {"SACM"} and practices[0].campaign == library.campaign_2023
    assert practices[0].source_question == library.question and not practices[0].is_published
    answer.refresh_from_db()
    assert answer.text == ANSWER
    # A second split adds after the first ones.
    _client(coordinator).post(
        reverse("practices:split", args=[answer.pk]), {"items": "1", **_item(0, "Webinar", "A webinar.", ["1"])}
    )
    assert Practice.objects.get(source_answer=answer, title="Webinar").position == 3


def test_nothing_is_saved_when_an_item_is_invalid_or_none_is_ticked(library, coordinator):
    answer = _answer(library)
    url = reverse("practices:split", args=[answer.pk])
    client = _client(coordinator)
    invalid = client.post(url, {"items": "2", **_item(0, "Fine", "Fine.", []), **_item(1, "", "No title.", [])})
    assert invalid.status_code == 200 and "This field is required." in invalid.content.decode()
    none = client.post(url, {"items": "1", **_item(0, "Unticked", "x", [], keep=False)})
    assert none.status_code == 200 and "Tick at least one practice to save." in none.content.decode()
    assert not Practice.objects.filter(source_answer=answer).exists()


def test_sources_list_the_practice_answers_with_their_practice_count(library, coordinator):
    answer = _answer(library)
    page = _client(coordinator).get(reverse("practices:sources"))
    rows = {a.response.iscm.acronym: a.practice_count for a in page.context["answers"]}
    assert rows["SACM"] == 0 and rows["MIDSA"] == 1
    assert reverse("practices:split", args=[answer.pk]) in page.content.decode()
