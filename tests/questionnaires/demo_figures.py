"""Figures of IOM's 2023 ISCM survey summary report that the demo responses reproduce exactly.

`questionnaires/data/demo_responses_2023.json` holds 14 submitted responses (the ISCMs with
`responded_2023=yes`) and 3 drafts. A count is the number of submitted responses that ticked the choice.
The GFMD leaves every GCM question blank, so GCM questions have a base of 13 and SDG questions 14.
The report's percentages are these counts over the base (objective 23 is "76%" of 13 for contributions,
truncated, but "77%" for priorities, rounded); review formats are shares of the 31 selections.

Not a test module: tests import it, e.g. `from tests.questionnaires.demo_figures import SEED_FIGURES`.
`SEED_FIGURES["bases"]` is not a question: skip it when looping over the questions.
"""

SEED_FIGURES: dict[str, dict[str, int]] = {
    "bases": {"gcm": 13, "sdg": 14},
    # Contributions to the GCM: objectives 23, 10, 1, 5, 2 and 11 are the most mentioned.
    "gcm_contributes": {"23": 10, "10": 9, "1": 8, "5": 8, "2": 7, "11": 7},
    # 69% plan to take part in the 2024 regional reviews, 31% are undecided, none declined.
    "gcm_review_plan": {"yes": 9, "undecided": 4, "no": 0},
    # Regional review events over 35% of the selections, written inputs and ISCM events 26% each.
    "gcm_review_format": {"regional_event": 11, "written_input": 8, "iscm_event": 8, "other": 4},
    # Priorities for the next decade: 23 (77%), 2 (62%), then 1, 3 and 5 (54% each).
    "gcm_priorities": {"23": 10, "2": 8, "1": 7, "3": 7, "5": 7},
    # Prioritised SDGs: 8, 10, 17 and 5.
    "sdg_priority": {"8": 11, "10": 10, "17": 9, "5": 8},
}

# Base of each question: submitted responses with at least one answer to it.
QUESTION_BASES: dict[str, int] = {
    "sdg_contributes": 14,
    "sdg_priority": 14,
    "gcm_contributes": 13,
    "gcm_review_plan": 13,
    "gcm_review_format": 13,
    "gcm_priorities": 13,
}

# Ticked boxes of the multiple-choice format question (the denominator of its percentages).
GCM_REVIEW_FORMAT_SELECTIONS = 31

# Every choice not listed in SEED_FIGURES[question] is ticked by at most this many responses,
# so the listed choices keep their rank.
OTHER_CHOICES_AT_MOST: dict[str, int] = {"gcm_contributes": 5, "gcm_priorities": 6, "sdg_priority": 7}

# "ISCMs contribute to all SDGs": each of the 17 SDGs is ticked at least once in sdg_contributes.
SDG_CONTRIBUTES_MIN_PER_CHOICE = 1

# Maximum choices per response; no demo response goes over them.
MAX_CHOICES: dict[str, int] = {"sdg_priority": 5, "gcm_priorities": 5}

# 24 ISCMs were invited in April-May 2023; 14 answered (58%, reported as "60%").
CAMPAIGN_2023: dict[str, int] = {"invited": 24, "responded": 14}
