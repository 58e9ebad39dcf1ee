"""The report's annex with the practices library (issue 21): practices grouped by ISCM or by GCM objective.

The report is a document the coordinator publishes to observers, so its annex shows the campaign's
*published* practices only, in the draft as in the files (the draft page says how many are left out).
The coordinator chooses the grouping on the report page (`Campaign.report_annex`):

- by ISCM: each responding ISCM's annex answers in questionnaire order, as today, except that an answer
  split into practices is replaced by its published practices (title, text, year, objectives, SDGs);
  published practices that come from no annex answer (a "list of items" question) follow;
- by GCM objective: one group per objective with the practices tagged with it (a practice tagged with
  several objectives appears under each), then the practices without objective, then the annex answers
  that were not split (messages, practices not yet split), quoted per ISCM.

A campaign without any practice keeps the annex of quoted answers (`report.annex`) whatever the choice.
`annex_practices_data` is the read (plain data, one query without practices, four with);
`annex_with_practices` is pure, like the rest of `report_compose`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practices.models import Practice
from questionnaires.models import Campaign, Choice


def _tags(choices) -> list[dict[str, str]]:
    return [{"code": choice.code, "label": choice.label} for choice in sorted(choices, key=lambda c: c.position)]


def annex_practices_data(campaign: Campaign) -> dict[str, Any] | None:
    """The campaign's practices as the annex needs them, or None when it has none (one query then)."""
    every = list(
        Practice.objects.filter(campaign=campaign).values_list("iscm__acronym", "source_question__code", "published_at")
    )
    if not every:
        return None
    published = (
        Practice.objects.filter(campaign=campaign, published_at__isnull=False)
        .select_related("iscm", "source_question")
        .prefetch_related(
            Prefetch("gcm_objectives", queryset=Choice.objects.order_by("position")),
            Prefetch("sdgs", queryset=Choice.objects.order_by("position")),
        )
        .order_by("iscm__acronym", "source_question__position", "position", "id")
    )
    return {
        "grouping": campaign.report_annex,
        # (ISCM, question) of every answer split into practices, published or not: such an answer is
        # represented by its published practices, never quoted.
        "split": sorted({(acronym, code) for acronym, code, _when in every if code}),
        "unpublished": sum(1 for *_rest, when in every if when is None),
        "practices": [
            {
                "iscm": practice.iscm.acronym,
                "iscm_name": practice.iscm.display_name,
                "question": practice.source_question.code if practice.source_question else "",
                "question_label": practice.source_question.label if practice.source_question else "",
                "title": practice.title,
                "description": practice.description,
                "year": practice.year,
                "link": practice.link,
                "gcm": _tags(practice.gcm_objectives.all()),
                "sdg": _tags(practice.sdgs.all()),
            }
            for practice in published
        ],
    }


# --- Composition (pure) ---------------------------------------------------------------------------


def tags_line(practice: dict[str, Any]) -> str:
    """ "2023 · GCM objectives 5, 16 · SDGs 8": what the practice is dated and tagged with."""
    parts = [str(practice["year"])] if practice["year"] else []
    gcm = [tag["code"] for tag in practice["gcm"]]
    sdg = [tag["code"] for tag in practice["sdg"]]
    if gcm:
        parts.append(ngettext("GCM objective %(list)s", "GCM objectives %(list)s", len(gcm)) % {"list": ", ".join(gcm)})
    if sdg:
        parts.append(ngettext("SDG %(list)s", "SDGs %(list)s", len(sdg)) % {"list": ", ".join(sdg)})
    return " · ".join(parts)


def _practice_entry(practice: dict[str, Any], *, with_iscm: bool) -> dict[str, Any]:
    from .report import text_blocks  # report.py imports this module

    # A proposed title is the text's first sentence: printed again above the text it would only repeat it.
    title = practice["title"]
    repeated = practice["description"].lstrip().startswith(title.rstrip("…").rstrip())
    return {
        "title": "" if repeated else title,
        "iscm": practice["iscm_name"] if with_iscm else "",
        "blocks": text_blocks(practice["description"]),
        "tags": tags_line(practice),
        # a web address only: whatever else a link field holds (javascript:…) is never made a link
        "link": practice["link"] if practice["link"].lower().startswith(("http://", "https://")) else "",
    }


def _by_iscm(quoted: dict[str, Any], data: dict[str, Any], *, unsplit_only: bool) -> list[dict[str, Any]]:
    """The quoted annex's ISCMs with their answers; an answer split into practices is replaced by its
    published practices (dropped with `unsplit_only`), and the ISCM's published practices from other
    questions follow, under their question. ISCMs known only by their practices come last."""
    split = {tuple(key) for key in data["split"]}
    practices: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for practice in data["practices"]:
        practices.setdefault(practice["iscm"], []).append(practice)
        names[practice["iscm"]] = practice["iscm_name"]
    iscms = [{**iscm, "answers": list(iscm["answers"])} for iscm in quoted["iscms"]]
    if not unsplit_only:
        known = {iscm["acronym"] for iscm in iscms}
        iscms += [
            {"name": names[acronym], "acronym": acronym, "answers": []} for acronym in practices if acronym not in known
        ]
    for iscm in iscms:
        answers = [answer for answer in iscm["answers"] if (iscm["acronym"], answer["code"]) not in split]
        if not unsplit_only:
            answers = []
            by_question: dict[str, dict[str, Any]] = {}
            for practice in practices.get(iscm["acronym"], []):
                entry = by_question.setdefault(
                    practice["question"],
                    {
                        "question": practice["question_label"] or _("Effective practices"),
                        "code": practice["question"],
                        "blocks": [],
                        "practices": [],
                    },
                )
                entry["practices"].append(_practice_entry(practice, with_iscm=False))
            for answer in iscm["answers"]:  # questionnaire order; split answers become their practices
                if (iscm["acronym"], answer["code"]) not in split:
                    answers.append(answer)
                elif answer["code"] in by_question:
                    answers.append({**by_question.pop(answer["code"]), "question": answer["question"]})
            answers += by_question.values()  # practices of questions the annex does not quote
        iscm["answers"] = answers
    return [iscm for iscm in iscms if iscm["answers"] or not unsplit_only]


def _by_objective(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One group per GCM objective that has published practices (objective order), then the untagged."""
    objectives: dict[str, dict[str, Any]] = {}
    untagged = []
    for practice in data["practices"]:
        if not practice["gcm"]:
            untagged.append(_practice_entry(practice, with_iscm=True))
        for tag in practice["gcm"]:
            group = objectives.setdefault(
                tag["code"],
                {
                    "heading": _("Objective %(number)s: %(title)s") % {"number": tag["code"], "title": tag["label"]},
                    "practices": [],
                },
            )
            group["practices"].append(_practice_entry(practice, with_iscm=True))
    groups = [
        objectives[code]
        for code in sorted(objectives, key=lambda code: (not code.isdigit(), int(code) if code.isdigit() else 0, code))
    ]
    if untagged:
        groups.append({"heading": _("Practices not tagged with a GCM objective"), "practices": untagged})
    return groups


def annex_with_practices(data: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
    """The annex of `report.annex` (`quoted`), rebuilt around the published practices when the campaign has
    practices (`data["annex_practices"]`), grouped as the coordinator chose."""
    practices = data.get("annex_practices")
    if not practices:
        return {**quoted, "grouping": "answers", "groups": [], "unpublished": 0}
    by_objective = practices["grouping"] == Campaign.ReportAnnex.BY_OBJECTIVE
    annex = {
        **quoted,
        "grouping": practices["grouping"],
        "unpublished": practices["unpublished"],
        "has_questions": True,
        "groups": _by_objective(practices) if by_objective else [],
        "iscms": _by_iscm(quoted, practices, unsplit_only=by_objective),
    }
    if by_objective:
        annex["title"] = _("Annex: effective practices by GCM objective")
        annex["intro"] = _(
            "The practices the ISCMs shared, as published in the practices library, under each GCM objective "
            "they serve (a practice serving several objectives appears under each)."
        )
        annex["others_title"] = _("Other answers to the open questions")
        annex["others_intro"] = _(
            "The answers below are quoted as each responding ISCM wrote them, ISCMs in alphabetical order."
        )
    else:
        annex["intro"] = _(
            "The answers below are quoted as each responding ISCM wrote them, ISCMs in alphabetical order; "
            "answers split into practices show the practices published in the practices library, with the "
            "GCM objectives and SDGs they serve."
        )
    return annex
