"""The survey summary report, composed from the figures (issue 7): a correct first draft for the coordinator.

`report_data(campaign)` is the one read (a fixed number of queries, through `analytics.selectors` for the
figures); everything else is pure: plain dicts in, a report structure out, testable without a database.
`report_compose(data)` returns:

    title, kicker, intro (paragraphs), summary (paragraphs), notes (paragraphs about the figures),
    sections: [{title, findings: [{code, heading, paragraphs, note, chart_id, chart_title, figure_number,
                                    of_selections, table}]}],
    annex: {title, intro, iscms: [{name, acronym, answers: [{question, blocks}]}]},
    figures: {chart_id: Plotly figure (the dashboard's, from `analytics.charts`)},
    figures_as_of, is_stale.

The wording is built from translatable templates with the numbers as placeholders, never generated; what
a sentence says of one questionnaire comes from its presentation hints (questionnaires.schema: how many
leading choices to name, the denominator, positive and negative choices with their report phrases, the
coverage of a shared list, the summary's sentences, the annex title), so any questionnaire gets the same
report without Python that names it.

Percentages in prose (documented in docs/report.md):
- shares of ISCMs (count / base: the ISCMs that answered the question): whole numbers, half up ("77%"),
  as the seed report writes them;
- shares of selections (count / all choices ticked for the question): one decimal, half up ("35.5%"),
  because several of them are close and the seed compares them ("more than 35%", "26%");
- the base is always stated ("10 of 13"), and when fewer ISCMs answered the question than responded to the
  survey, the report says so ("13 of the 14 responding ISCMs answered this question").
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from questionnaires.models import Answer, Campaign, Question, Response, localized
from questionnaires.schema import questionnaire_schema

from . import charts, selectors
from .numbers import percent_1dp
from .report_annex import annex_practices_data, annex_with_practices
from .report_comparison import report_comparison_data, report_comparison_section

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BULLET = re.compile(r"^\s*(?:-|•)\s+")


# --- The read -------------------------------------------------------------------------------------


def report_data(campaign: Campaign) -> dict[str, Any]:
    """Everything the report needs, as plain data. Twelve queries whatever the number of responses:
    `selectors.dashboard_data` (the dashboard's figures), the responding ISCMs, the annex questions and
    their answers; then one for the campaign's practices (four when it has some: `report_annex`). The
    caller checked that the user may view reports."""
    dashboard = selectors.dashboard_data(campaign)
    questionnaire = campaign.questionnaire
    responded = Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED)
    respondents = [
        {
            "acronym": response.iscm.acronym,
            "name": response.iscm.name,
            "display_name": response.iscm.display_name,
        }
        for response in responded.select_related("iscm").order_by("iscm__name", "iscm__acronym")
    ]
    annex_questions = list(
        Question.objects.filter(Q(type=Question.Type.LONG_TEXT), questionnaire_id=questionnaire.pk, item_of=None)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )
    answers = (
        Answer.objects.filter(response__in=responded, question__in=annex_questions)
        .exclude(text="")
        .values_list("response__iscm__acronym", "question__code", "text")
    )
    return {
        "campaign": {
            "slug": campaign.slug,
            "title": campaign.title,
            "synthetic": campaign.synthetic,
            "intro": campaign.intro or localized(questionnaire, "description"),
            "opens_at": campaign.opens_at,
            "closes_at": campaign.effective_close,
        },
        "questionnaire": {
            "slug": questionnaire.slug,
            "title": questionnaire.title,
            "annex_title": questionnaire_schema(questionnaire).annex_title,
        },
        "kpis": dashboard["kpis"],
        "respondents": respondents,
        "questions": dashboard["questions"],
        "annex_questions": [{"code": q.code, "label": q.label} for q in annex_questions],
        "answers": [{"iscm": iscm, "question": code, "text": text} for iscm, code, text in answers],
        "freshness": dashboard["freshness"],
        "comparison": report_comparison_data(campaign),
        "annex_practices": annex_practices_data(campaign),
    }


# --- Numbers and lists in prose ---------------------------------------------------------------------


def percent_whole(part: int, whole: int) -> int | None:
    """The percentage as a whole number, half up, computed exactly from the integers: 10/13 → 77."""
    if not whole:
        return None
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pct_whole_text(part: int, whole: int) -> str:
    """ "77%" (in the active language's number format)."""
    return _("%(value)s%%") % {"value": formats.number_format(percent_whole(part, whole) or 0)}


def pct_1dp_text(part: int, whole: int) -> str:
    """ "35.5%" — one decimal, the dashboard's rounding (`numbers.percent_1dp`)."""
    value = percent_1dp(part, whole) or Decimal("0.0")
    return _("%(value)s%%") % {"value": formats.number_format(value, decimal_pos=1)}


def join_list(items: list[str], *, groups: bool = False) -> str:
    """ "A, B and C"; with `groups` (items that contain commas themselves) "A; B; and C"."""
    items = [item for item in items if item]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if groups:
        return _("%(items)s; and %(last)s") % {"items": "; ".join(items[:-1]), "last": items[-1]}
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def choice_name(question: dict[str, Any], choice: dict[str, Any]) -> str:
    """How prose names a choice: "Objective 23 (International cooperation and partnerships)",
    "SDG 8 (Decent work and economic growth)", or the choice's own text in quotes."""
    if question["choice_list"] == "gcm":
        return _("Objective %(number)s (%(title)s)") % {"number": choice["code"], "title": choice["label"]}
    if question["choice_list"] == "sdg":
        return _("SDG %(number)s (%(title)s)") % {"number": choice["code"], "title": choice["label"]}
    return _("“%(label)s”") % {"label": choice["description"] or choice["label"]}


def choices_name(question: dict[str, Any], choices: list[dict[str, Any]]) -> str:
    """Several choices at once: "Objectives 1 (…), 3 (…) and 5 (…)", "SDGs 8 (…) and 10 (…)",
    "“A” and “B”"."""
    if len(choices) == 1:
        return choice_name(question, choices[0])
    numbered = [
        _("%(number)s (%(title)s)") % {"number": choice["code"], "title": choice["label"]}
        for choice in choices
    ]
    if question["choice_list"] == "gcm":
        return _("Objectives %(list)s") % {"list": join_list(numbered)}
    if question["choice_list"] == "sdg":
        return _("SDGs %(list)s") % {"list": join_list(numbered)}
    return join_list([choice_name(question, choice) for choice in choices])


def leading_groups(question: dict[str, Any], *, ranks: int) -> list[list[dict[str, Any]]]:
    """The choices ranked within the first `ranks` ranks (ties at the last one included), selected at
    least once, grouped by count (a tie is one group), best first."""
    groups: list[list[dict[str, Any]]] = []
    for choice in question["ranked"]:
        if choice["count"] == 0 or choice["rank"] > ranks:
            continue
        if groups and groups[-1][0]["count"] == choice["count"]:
            groups[-1].append(choice)
        else:
            groups.append([choice])
    return groups


# --- Findings ---------------------------------------------------------------------------------------


def _respondents_lead(question: dict[str, Any], group: list[dict[str, Any]]) -> str:
    count, base = group[0]["count"], question["base"]
    values = {
        "choice": choices_name(question, group),
        "count": count,
        "base": base,
        "pct": pct_whole_text(count, base),
    }
    if len(group) == 1:
        if count == base:
            return (
                ngettext(
                    "%(choice)s ranks first, cited by the %(base)s responding ISCM that answered (%(pct)s).",
                    "%(choice)s ranks first, cited by all %(base)s responding ISCMs that answered (%(pct)s).",
                    base,
                )
                % values
            )
        return (
            ngettext(
                "%(choice)s ranks first, cited by %(count)s of %(base)s responding ISCM (%(pct)s).",
                "%(choice)s ranks first, cited by %(count)s of %(base)s responding ISCMs (%(pct)s).",
                base,
            )
            % values
        )
    if count == base:
        return (
            ngettext(
                "%(choice)s rank first, each cited by the %(base)s responding ISCM that answered (%(pct)s).",
                "%(choice)s rank first, each cited by all %(base)s responding ISCMs that answered (%(pct)s).",
                base,
            )
            % values
        )
    return (
        ngettext(
            "%(choice)s rank first, each cited by %(count)s of %(base)s responding ISCM (%(pct)s).",
            "%(choice)s rank first, each cited by %(count)s of %(base)s responding ISCMs (%(pct)s).",
            base,
        )
        % values
    )


def _respondents_rest(question: dict[str, Any], group: list[dict[str, Any]]) -> str:
    count, base = group[0]["count"], question["base"]
    values = {
        "choice": choices_name(question, group),
        "count": count,
        "base": base,
        "pct": pct_whole_text(count, base),
    }
    if len(group) == 1:
        return _("%(choice)s, cited by %(count)s of %(base)s (%(pct)s)") % values
    return _("%(choice)s, each cited by %(count)s of %(base)s (%(pct)s)") % values


def _selections_lead(question: dict[str, Any], group: list[dict[str, Any]]) -> str:
    count, selections = group[0]["count"], question["selections"]
    values = {
        "choice": choices_name(question, group),
        "count": count,
        "selections": selections,
        "pct": pct_1dp_text(count, selections),
    }
    if len(group) == 1:
        return (
            _("%(choice)s comes first, with %(pct)s of the selections (%(count)s of %(selections)s).")
            % values
        )
    return (
        _("%(choice)s come first, each with %(pct)s of the selections (%(count)s of %(selections)s).")
        % values
    )


def _selections_rest(question: dict[str, Any], group: list[dict[str, Any]]) -> str:
    count, selections = group[0]["count"], question["selections"]
    values = {
        "choice": choices_name(question, group),
        "count": count,
        "selections": selections,
        "pct": pct_1dp_text(count, selections),
    }
    if len(group) == 1:
        return _("%(choice)s, with %(pct)s (%(count)s of %(selections)s)") % values
    return _("%(choice)s, each with %(pct)s (%(count)s of %(selections)s)") % values


def ranking_sentences(question: dict[str, Any], *, ranks: int, of_selections: bool = False) -> list[str]:
    """The leading choices with their percentages and base, ties worded as ties ("each")."""
    groups = leading_groups(question, ranks=ranks)
    if not groups:
        return []
    lead, rest = (
        (_selections_lead, _selections_rest) if of_selections else (_respondents_lead, _respondents_rest)
    )
    sentences = [lead(question, groups[0])]
    if len(groups) > 1:
        others = join_list([rest(question, group) for group in groups[1:]], groups=True)
        if len(groups[0]) == 1:
            sentences.append(_("It is followed by %(others)s.") % {"others": others})
        else:
            sentences.append(_("They are followed by %(others)s.") % {"others": others})
    return sentences


def base_note(question: dict[str, Any], *, responded: int, of_selections: bool = False) -> str:
    """Which denominator the percentages use, and how many ISCMs answered when not all of them did."""
    base, selections = question["base"], question["selections"]
    if not base:
        return _("No responding ISCM answered this question.")
    parts = []
    if base != responded:
        parts.append(
            _("%(base)s of the %(responded)s responding ISCMs answered this question.")
            % {"base": base, "responded": responded}
        )
    if of_selections:
        parts.append(
            ngettext(
                "Percentages are shares of all %(selections)s selections made by the ISCM that answered "
                "(several choices per ISCM).",
                "Percentages are shares of all %(selections)s selections made by the %(base)s ISCMs that "
                "answered (several choices per ISCM).",
                base,
            )
            % {"selections": selections, "base": base}
        )
    else:
        parts.append(_("Percentages are shares of the ISCMs that answered the question."))
    return " ".join(parts)


def coverage_sentence(question: dict[str, Any]) -> str:
    """For a contributions question of a reference list: "… contributes to all 17 SDGs" when every one is
    cited, else how many of them are."""
    total = len(question["choices"])
    covered = sum(1 for choice in question["choices"] if choice["count"])
    if not question["base"]:
        return ""
    values = {"covered": covered, "total": total}
    if question["choice_list"] == "sdg":
        if covered == total:
            return _("Taken together, the responding ISCMs' work contributes to all %(total)s SDGs.") % values
        return (
            _("Taken together, the responding ISCMs' work contributes to %(covered)s of the %(total)s SDGs.")
            % values
        )
    if question["choice_list"] == "gcm":
        if covered == total:
            return (
                _("Taken together, the responding ISCMs' work contributes to all %(total)s GCM objectives.")
                % values
            )
        return (
            _(
                "Taken together, the responding ISCMs' work contributes to %(covered)s of the %(total)s GCM "
                "objectives."
            )
            % values
        )
    return ""


def _choice_phrase(choices: list[dict[str, Any]]) -> str:
    """What the report says of the ISCMs that chose one of `choices`: the first one's report phrase (a hint,
    e.g. "plan to engage in …"), else "chose “Yes” or “Partly”"."""
    if choices[0]["report_phrase"]:
        return choices[0]["report_phrase"]
    names = [_("“%(label)s”") % {"label": choice["label"]} for choice in choices]
    listed = names[0] if len(names) == 1 else _("%(items)s or %(last)s") % {
        "items": ", ".join(names[:-1]),
        "last": names[-1],
    }
    return _("chose %(choices)s") % {"choices": listed}


def positive_sentences(question: dict[str, Any]) -> list[str]:
    """A single choice hinted with positive (and negative) choices: the share of positive answers, then
    each other choice that was chosen, then each negative choice, even when nobody chose it ("None …").
    Worded with the choices' report phrases, with the right wording for zero and for all. [] when nobody
    answered or no choice of the question is positive."""
    hints = question["hints"]
    base = question["base"]
    positive = [choice for choice in question["choices"] if choice["code"] in hints["positive"]]
    if not base or not positive:
        return []
    negative = [choice for choice in question["choices"] if choice["code"] in hints["negative"]]
    others = [choice for choice in question["choices"] if choice not in positive and choice not in negative]
    count = sum(choice["count"] for choice in positive)
    values = {"base": base, "count": count, "pct": pct_whole_text(count, base), "phrase": _choice_phrase(positive)}
    if count == base and base > 1:
        sentences = [_("All %(base)s responding ISCMs that answered %(phrase)s.") % values]
    elif count == 0 and base > 1:
        sentences = [_("None of the %(base)s responding ISCMs that answered %(phrase)s.") % values]
    else:
        sentences = [
            ngettext(
                "%(pct)s %(phrase)s (%(count)s of the %(base)s ISCM that answered).",
                "%(pct)s %(phrase)s (%(count)s of the %(base)s ISCMs that answered).",
                base,
            )
            % values
        ]
    for choice in others:
        chosen = choice["count"]
        values = {"base": base, "count": chosen, "pct": pct_whole_text(chosen, base)}
        values["phrase"] = _choice_phrase([choice])
        if chosen == base:
            sentences.append(_("All of them %(phrase)s.") % values)
        elif chosen and count and count + chosen == base:
            sentences.append(_("The remaining %(pct)s %(phrase)s (%(count)s).") % values)
        elif chosen:
            sentences.append(_("%(pct)s %(phrase)s (%(count)s of %(base)s).") % values)
    for choice in negative:
        chosen = choice["count"]
        values = {"base": base, "count": chosen, "pct": pct_whole_text(chosen, base)}
        values["phrase"] = _choice_phrase([choice])
        if chosen:
            sentences.append(_("%(pct)s %(phrase)s (%(count)s of %(base)s).") % values)
        else:
            sentences.append(_("None %(phrase)s.") % values)
    return sentences


def _table(question: dict[str, Any], *, of_selections: bool) -> list[dict[str, Any]]:
    denominator = question["selections"] if of_selections else question["base"]
    return [
        {
            "rank": choice["rank"],
            "label": choice["display_label"],
            "count": choice["count"],
            "denominator": denominator,
            "pct": pct_1dp_text(choice["count"], denominator) if denominator else "—",
        }
        for choice in question["ranked"]
    ]


def finding(question: dict[str, Any], *, responded: int) -> dict[str, Any]:
    """Prose, denominator note, chart and table of one choice question, as its presentation hints say."""
    hints = question["hints"]
    of_selections = hints["of_selections"]
    paragraphs: list[str] = []
    if question["base"]:
        sentences = positive_sentences(question) if question["type"] == Question.Type.SINGLE_CHOICE else []
        if not sentences:
            sentences = ranking_sentences(question, ranks=hints["top"], of_selections=of_selections)
            if hints["coverage"]:
                sentences.insert(0, coverage_sentence(question))
        paragraphs.append(" ".join(sentence for sentence in sentences if sentence))
    return {
        "code": question["code"],
        "heading": question["label"],
        "paragraphs": [p for p in paragraphs if p],
        "note": base_note(question, responded=responded, of_selections=of_selections),
        # a question hinted with no chart has no figure (and no figure number)
        "chart_id": question["code"] if charts.has_chart(question) else "",
        "chart_title": charts.chart_title(question),
        "chart_finding": charts.question_finding(question, of_selections=of_selections),
        "of_selections": of_selections,
        "answered": bool(question["base"]),
        "table": _table(question, of_selections=of_selections),
    }


# --- Summary ----------------------------------------------------------------------------------------


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def response_sentence(kpis: dict[str, Any]) -> str:
    """ "14 of the 24 ISCMs invited (58%) responded." with the cases of none and all."""
    invited, responded = kpis["invited"], kpis["responded"]
    if not invited:
        return _("No ISCM has been invited to this campaign yet.")
    values = {"invited": invited, "responded": responded, "rate": pct_whole_text(responded, invited)}
    if responded == 0:
        return (
            ngettext(
                "The ISCM invited has not responded yet.",
                "None of the %(invited)s ISCMs invited has responded yet.",
                invited,
            )
            % values
        )
    if responded == invited:
        return (
            ngettext(
                "The ISCM invited responded (%(rate)s).",
                "All %(invited)s ISCMs invited responded (%(rate)s).",
                invited,
            )
            % values
        )
    return (
        ngettext(
            "%(responded)s of the %(invited)s ISCM invited (%(rate)s) responded.",
            "%(responded)s of the %(invited)s ISCMs invited (%(rate)s) responded.",
            invited,
        )
        % values
    )


def summary_paragraphs(data: dict[str, Any]) -> list[str]:
    campaign = data["campaign"]
    kpis = data["kpis"]
    first = ngettext(
        "From %(start)s to %(end)s, %(invited)s ISCM was invited to complete the questionnaire “%(title)s”.",
        "From %(start)s to %(end)s, %(invited)s ISCMs were invited to complete the questionnaire "
        "“%(title)s”.",
        kpis["invited"],
    ) % {
        "start": _date(campaign["opens_at"]),
        "end": _date(campaign["closes_at"]),
        "invited": kpis["invited"],
        "title": data["questionnaire"]["title"],
    }
    paragraphs = [f"{first} {response_sentence(kpis)}"]
    respondents = data["respondents"]
    if respondents:
        paragraphs.append(
            ngettext(
                "This document summarises the answers of the following ISCM: %(list)s.",
                "This document summarises the answers of the following ISCMs: %(list)s.",
                len(respondents),
            )
            % {"list": join_list([iscm["display_name"] for iscm in respondents])}
        )
    highlights = summary_highlights(data["questions"])
    if highlights:
        paragraphs.append(highlights)
    return paragraphs


def _leading_names(question: dict[str, Any]) -> list[str]:
    if not question["base"]:
        return []
    groups = leading_groups(question, ranks=question["hints"]["top"])
    return [choice_name(question, choice) for group in groups for choice in group]


def _fully_covered(question: dict[str, Any]) -> bool:
    return bool(question["base"]) and all(choice["count"] for choice in question["choices"])


def _lower_first(text: str) -> str:
    """ "The goals …" → "the goals …" to continue a sentence (an acronym such as "GCM …" stays)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def summary_highlights(questions: list[dict[str, Any]]) -> str:
    """The summary's key paragraph: for each question with a summary hint, its sentence naming the leading
    choices ("{choices}" in the hint). The paragraph opens by saying the ISCMs contribute to every choice of
    a shared list when a coverage question of the first sentence's list shows it ("while the ISCMs
    contribute to all 17 SDGs, …")."""
    sentences = []
    for question in questions:
        template = question["hints"]["summary"]
        names = _leading_names(question) if template else []
        if not names:
            continue
        sentence = template.replace("{choices}", join_list(names))
        covered = [
            other
            for other in questions
            if other["hints"]["coverage"]
            and other["choice_list"]
            and other["choice_list"] == question["choice_list"]
            and _fully_covered(other)
        ]
        if not sentences and covered and question["choice_list"] in ("sdg", "gcm"):
            values = {"total": len(covered[0]["choices"]), "finding": _lower_first(sentence)}
            if question["choice_list"] == "sdg":
                sentence = (
                    _(
                        "The survey shows that while the ISCMs contribute to all %(total)s Sustainable "
                        "Development Goals (SDGs), %(finding)s"
                    )
                    % values
                )
            else:
                sentence = (
                    _("The survey shows that while the ISCMs contribute to all %(total)s GCM objectives, %(finding)s")
                    % values
                )
        sentences.append(sentence)
    return " ".join(sentences)


# --- Annex ------------------------------------------------------------------------------------------


def text_blocks(text: str) -> list[dict[str, Any]]:
    """A free-text answer as blocks: paragraphs (separated by blank lines; single line breaks kept as
    `lines`) and bullet lists (lines starting with "- " or "• "). Plain text only: every renderer escapes
    it (HTML autoescape, DOCX and PDF text runs), so whatever was typed shows as typed."""
    text = CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks: list[dict[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        for line in lines:
            bullet = BULLET.match(line)
            if bullet:
                item = line[bullet.end() :].strip()
                if blocks and blocks[-1]["kind"] == "list" and blocks[-1]["open"]:
                    blocks[-1]["items"].append(item)
                else:
                    blocks.append({"kind": "list", "items": [item], "open": True})
            elif blocks and blocks[-1]["kind"] == "paragraph" and blocks[-1]["open"]:
                blocks[-1]["lines"].append(line.strip())
            else:
                blocks.append({"kind": "paragraph", "lines": [line.strip()], "open": True})
        for block in blocks:
            block["open"] = False  # a blank line ends the paragraph or list
    for block in blocks:
        del block["open"]
    return blocks


def annex(data: dict[str, Any]) -> dict[str, Any]:
    """Each responding ISCM (by name), its answers to the annex questions (the questionnaire's long-text
    questions, in questionnaire order), under the questionnaire's annex title (a hint) or a generic one."""
    by_iscm: dict[str, dict[str, str]] = {}
    for answer in data["answers"]:
        by_iscm.setdefault(answer["iscm"], {})[answer["question"]] = answer["text"]
    iscms = []
    for iscm in data["respondents"]:
        texts = by_iscm.get(iscm["acronym"], {})
        answers = [
            {"question": question["label"], "code": question["code"], "blocks": text_blocks(texts[question["code"]])}
            for question in data["annex_questions"]
            if texts.get(question["code"], "").strip()
        ]
        iscms.append({"name": iscm["display_name"], "acronym": iscm["acronym"], "answers": answers})
    return {
        "title": data["questionnaire"].get("annex_title") or _("Annex: answers to the open questions"),
        "intro": _(
            "The answers below are quoted as each responding ISCM wrote them, ISCMs in alphabetical order."
        ),
        "has_questions": bool(data["annex_questions"]),
        "iscms": iscms,
    }


# --- The report -------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    text = CONTROL_CHARACTERS.sub("", (text or "").replace("\r\n", "\n"))
    return [" ".join(chunk.split()) for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]


def report_compose(data: dict[str, Any]) -> dict[str, Any]:
    """The report structure of `report_data`'s dict (see the module docstring). Pure: no database."""
    responded = data["kpis"]["responded"]
    sections: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    for question in data["questions"]:
        item = finding(question, responded=responded)
        item["figure_number"] = None
        if item["chart_id"]:
            item["figure_number"] = len(figures) + 1
            figures[item["chart_id"]] = charts.question_chart(question)
        if not sections or sections[-1]["title"] != question["section"]:
            sections.append({"title": question["section"], "findings": []})
        sections[-1]["findings"].append(item)
    if data.get("comparison"):
        section, comparison_figures = report_comparison_section(
            data["comparison"], first_figure=len(figures) + 1
        )
        sections.append(section)
        figures.update(comparison_figures)
    freshness = data["freshness"]
    if freshness.get("computed_at"):
        when = formats.date_format(freshness["computed_at"], "DATETIME_FORMAT")
        notes = [
            _("Figures computed on %(when)s; only submitted, returned and validated responses count.")
            % {"when": when}
        ]
    else:
        notes = [
            _("Figures counted from the submitted, returned and validated responses at the time of writing.")
        ]
    notes.append(
        _(
            "In the text, shares of ISCMs are rounded to whole percentages and are based on the ISCMs that "
            "answered each question; shares of selections are rounded to one decimal. Charts and tables give "
            "one decimal."
        )
    )
    return {
        "kicker": _("Survey summary report"),
        "title": data["campaign"]["title"],
        # fabricated demo answers: said under the title of every form of the report
        "synthetic_note": _(
            "Synthetic data. The answers of this campaign are fabricated for the demo: its figures are not "
            "IOM's and must not be quoted."
        )
        if data["campaign"].get("synthetic")
        else "",
        "intro": _paragraphs(data["campaign"]["intro"]),
        "summary": summary_paragraphs(data),
        "notes": notes,
        "sections": sections,
        "annex": annex_with_practices(data, annex(data)),
        "figures": figures,
        "figures_as_of": freshness.get("computed_at"),
        "is_stale": bool(freshness.get("is_stale")),
    }
