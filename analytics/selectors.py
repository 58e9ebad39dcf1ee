"""Reads for dashboards, exports and the report: counting happens in SQL, a fixed number of queries."""

from __future__ import annotations

from questionnaires.models import Response

_RESPONDED = ", ".join(f"'{status}'" for status in Response.RESPONDED)

# Per choice of every choice question of a campaign's questionnaire: responded responses that picked
# it (count), responded responses that answered the question (base), all picks of the question
# (selections), and the standard competition rank by count. Zero counts come from the LEFT JOINs.
# Optional filters on the ISCM's region and type serve the dashboard's live subsets.
CHOICE_COUNTS_SQL = f"""
WITH responded AS (
    SELECT r.id
    FROM questionnaires_response r
    JOIN questionnaires_iscm i ON i.id = r.iscm_id
    WHERE r.campaign_id = %(campaign)s
      AND r.status IN ({_RESPONDED})
      AND (%(region)s = '' OR i.region = %(region)s)
      AND (%(iscm_type)s = '' OR i.type = %(iscm_type)s)
),
picked AS (
    SELECT ac.question_id, ac.choice_id, COUNT(*) AS count
    FROM questionnaires_answerchoice ac
    JOIN responded ON responded.id = ac.response_id
    GROUP BY ac.question_id, ac.choice_id
),
per_question AS (
    SELECT ac.question_id, COUNT(DISTINCT ac.response_id) AS base, COUNT(*) AS selections
    FROM questionnaires_answerchoice ac
    JOIN responded ON responded.id = ac.response_id
    GROUP BY ac.question_id
),
options AS (
    SELECT q.id AS question_id, c.id AS choice_id
    FROM questionnaires_question q
    JOIN questionnaires_choice c
      ON c.choice_list_id = q.choice_list_id OR (q.choice_list_id IS NULL AND c.question_id = q.id)
    WHERE q.questionnaire_id = %(questionnaire)s
      AND q.type IN ('single_choice', 'multiple_choice')
)
SELECT o.question_id,
       o.choice_id,
       COALESCE(p.count, 0) AS count,
       COALESCE(pq.base, 0) AS base,
       COALESCE(pq.selections, 0) AS selections,
       RANK() OVER (PARTITION BY o.question_id ORDER BY COALESCE(p.count, 0) DESC) AS rank
FROM options o
LEFT JOIN picked p ON p.question_id = o.question_id AND p.choice_id = o.choice_id
LEFT JOIN per_question pq ON pq.question_id = o.question_id
"""
