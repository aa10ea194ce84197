"""Toponym recognition: which spans of the parsed text name a place.

Two sources, combined:
1. spaCy's statistical NER (when installed). GPE/LOC/FAC entities are taken as they are; an
   entity of any other label (a town tagged NORP, PERSON or ORG) is taken when
   the gazetteer confirms it and the place is plausible for the article.
2. Direct gazetteer matching of capitalised token runs the model missed, with stricter
   plausibility (common words and person names are the usual false friends).

Each toponym has a role: a `place` goes on the map; an `adjectival` use ("Malian forces") and
a place named inside an organisation (`in_name`: "Kandahar University", "The Washington Post")
are reported, flagged, but never drawn as places.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from spacy.tokens import Doc, Span

from geo.pipeline.places.gazetteer import Candidate, Gazetteer
from geo.pipeline.places.name_context import (
    CONNECTORS,
    DIRECTION_PREFIXES,
    DIVISION_WORDS,
    FACILITY_WORDS,
    FEATURE_WORDS,
    INSTITUTION_WORDS,
    MONTHS_AND_DAYS,
    NAME_CONNECTORS,
    PERSON_TITLES,
    acronym,
    adjectival_compound,
    attributive_acronym,
    cue_before,
    facility_after,
    feature_after,
    feature_before,
    is_capitalised,
    never_a_place,
    preceded_by_title,
    trim,
)

# A mention's role: a place goes on the map; an adjective ("Malian forces") and a place
# named inside an organisation's name ("Kandahar University") are reported, not mapped.
Role = Literal["place", "adjectival", "in_name"]
PLACE: Role = "place"
ADJECTIVAL: Role = "adjectival"
IN_NAME: Role = "in_name"

PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Labels whose spans never hold a toponym that we should take (dates, numbers...).
SKIP_LABELS = {"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"}
MAX_NAME_TOKENS = 6
PROMINENT_POPULATION = 100_000


@dataclass(frozen=True)
class Toponym:
    """A place mention in the parsed text (offsets into that text)."""

    start: int
    end: int
    text: str
    label: str  # the NER label that proposed it, or "GAZ" for a direct gazetteer match
    role: Role
    sentence_start: int
    sentence_end: int
    feature_word: str = ""  # "province", "town"... when the text says what it is
    lookup: str = ""  # the name to look up when it differs from text ("Orange" of "Orange County")
    facility: str = ""  # "airport", "dam"...: the mention names a facility of this place
    cued: bool = False  # a place cue stands before it ("in X", "seized X", "in A and X")

    @property
    def name(self) -> str:
        return self.lookup or self.text


class ToponymFinder:
    """Finds the toponyms of one parsed document."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def __call__(self, doc: Doc) -> list[Toponym]:
        self.doc = doc
        self.taken = [False] * len(doc)
        self.found: list[Toponym] = []
        self.lower_words = {t.lower_ for t in doc if t.is_lower}
        self.surnames = self._person_surnames(doc)
        self.focus = self._focus_countries(doc)
        ents = list(doc.ents)
        for ent in ents:  # place-labelled entities first: they are the most reliable
            if ent.label_ in PLACE_LABELS:
                self._take_entity(ent)
        for ent in ents:
            if ent.label_ not in PLACE_LABELS and ent.label_ not in SKIP_LABELS:
                self._take_entity(ent)
        # The model has spoken on every entity (and on dates and numbers, which are never
        # place names): gazetteer matching only looks at the tokens outside them.
        for ent in ents:
            for i in range(ent.start, ent.end):
                self.taken[i] = True
        self._match_gazetteer_runs()
        self._one_sense_per_article()
        return sorted(self.found, key=lambda t: t.start)

    def _one_sense_per_article(self) -> None:
        """A name taken as a place anywhere in the article is a place at every mention.

        The model's label for the same word changes with its position ("Qusayr" is a place
        after "in", an organisation at the start of a sentence or in a headline). A mention
        inside a longer capitalised name ("Timbuktu University") is left to that name.
        """
        # Only names the model or the text's own words made places: a bare gazetteer
        # match ("Jones", a village somewhere) must not spread to every mention.
        names = {t.text for t in self.found if t.role == PLACE and t.label != "GAZ"}
        if not names:
            return
        doc = self.doc
        covered = [False] * len(doc)
        for top in self.found:
            span = doc.char_span(top.start, top.end, alignment_mode="expand")
            for i in range(span.start if span else 0, span.end if span else 0):
                covered[i] = True
        longest = max(len(name.split()) for name in names) + 2
        for i, token in enumerate(doc):
            if covered[i] or not is_capitalised(token):
                continue
            for j in range(min(len(doc), i + longest), i, -1):
                span = doc[i:j]
                if (
                    span.text in names
                    and not any(covered[i:j])
                    and self._stands_alone(span)
                    and not (len(span) == 1 and span[0].lower_ in self.surnames)
                ):
                    self._add(span, "SENSE", PLACE, force=True)
                    for k in range(i, j):
                        covered[k] = True
                    break

    def _stands_alone(self, span: Span) -> bool:
        """Not part of a longer capitalised name on either side."""
        doc = span.doc
        before = doc[span.start - 1] if span.start > 0 else None
        after = doc[span.end] if span.end < len(doc) else None
        glued_before = (
            before is not None
            and is_capitalised(before)
            and not (
                before.is_sent_start
                or before.is_punct
                or before.lower_ in CONNECTORS
                or before.is_space
            )
        )
        glued_after = (
            after is not None
            and is_capitalised(after)
            and after.is_alpha
            and (after.lower_ not in FEATURE_WORDS and after.lower_ not in FACILITY_WORDS)
        )
        return not (glued_before or glued_after)

    # -- document-level evidence -------------------------------------------------------

    def _person_surnames(self, doc: Doc) -> set[str]:
        """Last names of people, so "Hamza" alone later is not read as a village."""
        names = set()
        for ent in doc.ents:
            if ent.label_ == "PERSON" and len(ent) > 1:
                names.add(ent[-1].lower_)
        for token in doc:
            if token.lower_.rstrip(".") in PERSON_TITLES and token.i + 1 < len(doc):
                j = token.i + 1
                while j < len(doc) and (is_capitalised(doc[j]) or doc[j].text == "."):
                    j += 1
                if j - token.i > 1 and is_capitalised(doc[j - 1]):
                    names.add(doc[j - 1].lower_)
        return names

    def _focus_countries(self, doc: Doc) -> Counter[str]:
        """Countries the article is about: place entities and demonyms that resolve surely."""
        focus: Counter[str] = Counter()
        for ent in doc.ents:
            span = trim(ent)
            if span is None:
                continue
            if ent.label_ in PLACE_LABELS:
                cands = self.gazetteer.candidates(span.text)
                if (
                    cands
                    and cands[0].place.level in {"country", "province"}
                    or (cands and cands[0].place.population >= PROMINENT_POPULATION)
                ):
                    focus[cands[0].place.country] += 1
            elif ent.label_ == "NORP":
                place = self.gazetteer.demonym(span.text)
                if place is not None:
                    focus[place.country] += 1
        if not focus:  # no model: let unambiguous country names speak
            for token in doc:
                if is_capitalised(token) and len(token) > 3:
                    cands = self.gazetteer.candidates(token.text)
                    if cands and cands[0].place.level == "country" and cands[0].exact:
                        focus[cands[0].place.country] += 1
        return focus

    # -- plausibility -----------------------------------------------------------------

    def _plausible(self, span: Span, cands: tuple[Candidate, ...], label: str) -> bool:
        """Whether a gazetteer match on a span not labelled as a place is really a place.

        The model's other labels and bare capitalised words are often right about Middle-East
        names it has never seen (a town tagged PERSON), and often wrong about common words and
        surnames that some village somewhere carries (Fox, Grant, Sharon). A match is taken
        when the place is a country or province, a large city, or a place in a country the
        article is about and the sentence uses it as a place ("south of Gao").
        """
        if not cands:
            return False
        text = span.text
        if text.lower() in MONTHS_AND_DAYS or preceded_by_title(span) or acronym(text):
            return False
        if len(span) == 1 and span[0].lower_ in self.surnames:
            return False
        cue = cue_before(span) or bool(feature_after(span)) or bool(feature_before(span))
        for cand in cands:
            place = cand.place
            if place.level == "continent" and cand.exact:
                return True
            if place.level in {"country", "province"}:
                if (cand.exact or len(text) > 3) and (
                    label != "GAZ" or place.level == "country" or cue or place.country in self.focus
                ):
                    return True
                continue
            large = place.population >= PROMINENT_POPULATION
            in_focus = place.country in self.focus
            if label == "GAZ":
                if large and (in_focus or (cand.exact and cue)):
                    return True
                if in_focus and cue and cand.exact:
                    return True
            elif (large and (cand.exact or in_focus)) or (in_focus and cue):
                return True
        return False

    def _common_word(self, span: Span) -> bool:
        if len(span) != 1:
            return False
        token = span[0]
        return (
            token.is_stop
            or token.lower_ in self.lower_words
            or (token.is_sent_start and not token.is_upper)
            or len(token.text) < 3
        )

    # -- taking spans -----------------------------------------------------------------

    def _add(
        self, span: Span, label: str, role: Role, lookup: Span | None = None, force: bool = False
    ) -> None:
        """Record a toponym; `force` takes it even over tokens an entity had claimed."""
        if not force and any(self.taken[span.start : span.end]):
            return
        for i in range(span.start, span.end):
            self.taken[i] = True
        if role == PLACE and never_a_place(span):
            return
        if role == PLACE and (adjectival_compound(span) or attributive_acronym(span)):
            role = ADJECTIVAL
        sent = span.sent if self.doc.has_annotation("SENT_START") else self.doc[:]
        # Sentence bounds without the white space around it (snippets start with a word).
        first = next((t for t in sent if not t.is_space), sent[0])
        last = next((t for t in reversed(sent) if not t.is_space), sent[-1])
        self.found.append(
            Toponym(
                start=span.start_char,
                end=span.end_char,
                text=span.text,
                label=label,
                role=role,
                sentence_start=first.idx,
                sentence_end=last.idx + len(last.text),
                feature_word=(
                    span[-1].lower_
                    if lookup is not None
                    else feature_after(span) or feature_before(span)
                ),
                lookup=lookup.text if lookup is not None else "",
                facility=facility_after(span),
                cued=cue_before(span),
            )
        )

    def _take_entity(self, ent: Span) -> None:
        """One entity of the model: by its label, a place, an adjective, a name inside
        an organisation's name, or nothing."""
        span = trim(ent)
        if span is None or any(self.taken[span.start : span.end]):
            return
        label = ent.label_
        if label == "NORP" or (label in {"ORG", "PERSON"} and len(span) == 1):
            place = self.gazetteer.demonym(span.text)
            if place is not None:
                self._add(span, label, ADJECTIVAL)
                return
        cands = self.gazetteer.candidates(span.text)
        if label in {"GPE", "LOC"}:
            self._take_place_entity(span, label, cands)
        elif label == "FAC":
            # Buildings and roads rarely have gazetteer entries, and a same-named town
            # ("White House", Tennessee) would be wrong; take only big exact matches.
            if any(c.exact and c.place.population >= PROMINENT_POPULATION for c in cands):
                self._add(span, label, PLACE)
        else:
            self._take_other_entity(span, label, cands)

    def _take_place_entity(self, span: Span, label: str, cands: tuple[Candidate, ...]) -> None:
        """GPE and LOC: a place, looked up without a trailing feature word when the whole
        name is unknown, or the country or province an unknown longer name contains."""
        if not cands and len(span) > 1 and span[-1].lower_ in FEATURE_WORDS:
            # "Orange County", "Oaxaca State": the name without the feature word.
            base = span[:-1]
            known = self.gazetteer.candidates(base.text) or self.gazetteer.spelling_variants(
                base.text
            )
            if known and not never_a_place(base):
                self._add(span, label, PLACE, lookup=base)
                return
        if not cands and len(span) > 1:
            # "Federal Republic of Somalia": no gazetteer entry, but it names Somalia.
            before = len(self.found)
            self._take_names_inside(span, label, PLACE)
            if len(self.found) > before:
                return
        self._add(span, label, PLACE)

    def _take_other_entity(self, span: Span, label: str, cands: tuple[Candidate, ...]) -> None:
        """Any other label: a place when plausible or when the text's own words say so,
        else the places named inside an organisation's (or event's...) name."""
        # A name the model took for a person ("fled from Tirin Kot") may be another
        # romanisation of a town of the article's countries (Tarinkot); `_plausible` asks
        # for a cue.
        variants = (
            () if cands or not cue_before(span) else self.gazetteer.spelling_variants(span.text)
        )
        if self._plausible(span, cands or variants, label) or (
            label != "NORP"
            and (
                feature_before(span)
                or facility_after(span)
                or feature_after(span) in DIVISION_WORDS
            )
        ):
            # The text's own word ("the town of Baga", "Gardabiya airbase", "Jawzjan
            # province") makes a name the model took for a person or an organisation a
            # place, known or not.
            self._add(span, label, PLACE)
        elif label in {"ORG", "FAC", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW"} and len(span) > 1:
            self._take_names_inside(span, label, IN_NAME)

    def _take_names_inside(self, span: Span, label: str, role: Role) -> None:
        """Places named inside a longer name.

        In an organisation ("Kandahar University", "The Washington Post") they are flagged
        IN_NAME, never mapped; in an unknown place name ("Federal Republic of Somalia") the
        country or province it contains is the place.
        """
        for sub in self._gazetteer_spans(span.start, span.end):
            demonym = len(sub) == 1 and self.gazetteer.demonym(sub.text) is not None
            cands = self.gazetteer.candidates(sub.text)
            if acronym(sub.text):
                continue
            if sub.end < span.end:
                names_institution = self.doc[sub.end].lower_ in INSTITUTION_WORDS
            else:  # "University of Kandahar", not "Queen Mary"
                names_institution = sub.start > span.start and self.doc[sub.start - 1].lower_ in {
                    "of",
                    "in",
                    "at",
                    "de",
                }
            strong = any(
                c.place.level in {"continent", "country"}
                or (c.place.level == "province" and c.place.country in self.focus)
                or (c.exact and c.place.population >= PROMINENT_POPULATION and names_institution)
                for c in cands
            )
            if demonym:
                self._add(sub, label, ADJECTIVAL)
            elif strong:
                self._add(sub, label, role)

    def _gazetteer_spans(self, start: int, end: int) -> list[Span]:
        """Longest capitalised sub-spans of [start, end) that the gazetteer or demonyms know."""
        doc = self.doc
        out: list[Span] = []
        i = start
        while i < end:
            if not is_capitalised(doc[i]) or doc[i].is_punct:
                i += 1
                continue
            matched = None
            for j in range(min(end, i + MAX_NAME_TOKENS), i, -1):
                last = doc[j - 1]
                if not is_capitalised(last) or last.is_punct:
                    continue
                inner = doc[i:j]
                if any(
                    not (is_capitalised(t) or t.lower_ in CONNECTORS or t.text in {"-", "'"})
                    for t in inner
                ):
                    continue
                if self.gazetteer.has_name(inner.text) or (
                    j == i + 1 and self.gazetteer.demonym(inner.text) is not None
                ):
                    matched = inner
                    break
            if matched is not None:
                out.append(matched)
                i = matched.end
            else:
                i += 1
        return out

    def _match_gazetteer_runs(self) -> None:
        """Names the model did not propose at all."""
        doc = self.doc
        i = 0
        while i < len(doc):
            if self.taken[i] or not is_capitalised(doc[i]):
                i += 1
                continue
            j = i
            while (
                j < len(doc)
                and not self.taken[j]
                and (
                    is_capitalised(doc[j]) or doc[j].lower_ in NAME_CONNECTORS or doc[j].text == "-"
                )
                and doc[j].lower_ not in MONTHS_AND_DAYS
            ):
                j += 1
            # A connector joins names, it does not end one: "the town of Timbuktu as they".
            while j > i + 1 and (doc[j - 1].lower_ in NAME_CONNECTORS or doc[j - 1].text == "-"):
                j -= 1
            while i < j - 1 and doc[i].is_stop:  # "While Kabul ...": a capitalised stop word
                i += 1
            if feature_before(doc[i:j]) and not any(self.taken[i:j]):
                # "the town of Kidal": a place by the text's own word, known or not.
                self._add(doc[i:j], "PATTERN", PLACE)
                i = j
                continue
            run_words = [t for t in doc[i:j] if t.lower_ not in CONNECTORS]
            for span in self._gazetteer_spans(i, j):
                if self._common_word(span) or span.text.lower() in DIRECTION_PREFIXES:
                    continue
                if len(run_words) > len(span):
                    # Part of a longer name ("Council on Foreign Relations"): a place only
                    # as the name of an organisation, and only when it is a strong match.
                    self._take_names_inside(span, "GAZ", IN_NAME)
                    continue
                if len(span) == 1 and self.gazetteer.demonym(span.text) is not None:
                    self._add(span, "GAZ", ADJECTIVAL)
                    continue
                cands = self.gazetteer.candidates(span.text)
                if self._plausible(span, cands, "GAZ"):
                    self._add(span, "GAZ", PLACE)
            i = max(j, i + 1)


def find_toponyms(doc: Doc, gazetteer: Gazetteer) -> list[Toponym]:
    """All toponyms of a parsed document, in text order."""
    return ToponymFinder(gazetteer)(doc)
