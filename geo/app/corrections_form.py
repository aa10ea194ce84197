"""The analyst's corrections in the app: under a picked event ("Correct this event": its
status, type and dates; a wrong place, not a place; merge with or split from an incident;
undo) and on the list of place names the build could not place. What they offer and write
is geo.app.correction_choices (pure, tested without Streamlit); `Corrector.save` (app.py)
appends the entries and rebuilds.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from geo.app.correction_choices import (
    IncidentChoice,
    Target,
    UnresolvedName,
    article_centre,
    can_split,
    event_mention_index,
    event_target,
    last_correction,
    mention_target,
    nearby_incidents,
    place_change,
    place_label,
    place_mentions,
    point_change,
    runner_ups,
    search_places,
)
from geo.corpus.corrections import (
    STATUSES,
    Correction,
    MentionRef,
    event_changes,
    load_corrections,
)
from geo.corpus.records import EventFeature, EventProperties
from geo.map.escape import escape_markdown
from geo.map.styles import EVENT_STYLES

if TYPE_CHECKING:
    from geo.pipeline.places.gazetteer import Gazetteer


# -- the widgets -----------------------------------------------------------------------

# Saves corrections (the targets, why, what to say): app.py writes them to the corrections
# file beside the added articles and rebuilds the map.
Save = Callable[[list[Target], str, str], None]


@dataclass
class Corrector:
    """What the forms need from the app: how to save, the corrections file (for undo), the
    corpus's events (runner-ups near the article, incidents to merge with), the point last
    clicked on the map, and the gazetteer (loaded on first use)."""

    save: Save
    file: Path
    version: float  # the map data's (its events file's time): what the cached lists follow
    features: Sequence[EventFeature] = ()
    clicked_point: tuple[float, float] | None = None
    gazetteer: Callable[[], Gazetteer] | None = None
    _corrections: list[Correction] | None = field(default=None, repr=False)

    def places(self) -> Gazetteer:
        if self.gazetteer is not None:
            return self.gazetteer()
        from geo.pipeline.places.gazetteer import get_gazetteer

        return get_gazetteer()

    def corrections(self) -> list[Correction]:
        if self._corrections is None:
            self._corrections = load_corrections(self.file)[0]
        return self._corrections


# The details panel reruns with the time slider, and an expander's content runs closed or
# open: the two scans of the corpus the forms make (~12 ms each at 10,000 events) are kept
# per event for the data they were made from, so a slider step does not pay for them.
@st.cache_data(max_entries=64, show_spinner=False)
def _centre(
    version: float, article_id: str, event_id: str | None, _features: Sequence[EventFeature]
) -> tuple[float, float] | None:
    return article_centre({"article_id": article_id, "id": event_id}, _features)


@st.cache_data(max_entries=64, show_spinner=False)
def _nearby(
    version: float, event_id: str, _props: EventProperties, _features: Sequence[EventFeature]
) -> list[IncidentChoice]:
    return nearby_incidents(_props, _features)


def correction_form(props: EventProperties, corrector: Corrector) -> None:
    """ "Correct this event": its status (verified, rejected), type and dates; its place
    (wrong place, not a place); its incident (merge, split); undo. Saved as corrections that
    every build applies (geo.corpus.corrections)."""
    with st.expander("Correct this event"):
        event_fields_form(props, corrector)
        mentions = place_mentions(props)
        if mentions:
            place_section(props, mentions, corrector)
        incident_section(props, corrector)
        undo_section(props, corrector)


def event_fields_form(props: EventProperties, corrector: Corrector) -> None:
    """Status, type and dates in one form: one save, the changed fields only."""
    with st.form(f"correct-{props['id']}"):
        status = st.radio(
            "Status",
            STATUSES,
            index=STATUSES.index(props.get("verification") or "unverified"),
            horizontal=True,
        )
        types = list(EVENT_STYLES)
        event_type = st.selectbox(
            "Type",
            types,
            index=types.index(props["event_type"]) if props["event_type"] in types else 0,
            format_func=lambda t: EVENT_STYLES[t][1],
        )
        dates = None
        if (first := props.get("date_start")) and (last := props.get("date_end")):
            picked = st.date_input(
                "Dates",
                value=(datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)),
            )
            if isinstance(picked, tuple) and len(picked) == 2:
                dates = (picked[0], picked[1])
        why = st.text_input("Why (optional)")
        if st.form_submit_button("Save correction"):
            changes = event_changes(props, status, event_type, dates)
            if changes:
                targets = [event_target(props, c) for c in changes]
                corrector.save(targets, why, f"Corrected {props['place']}")
            else:
                st.info("Nothing to save: the event is already so.")


PLACE_SOURCES = ("A runner-up candidate", "A gazetteer search", "The point last clicked on the map")


def place_section(
    props: EventProperties, mentions: Sequence[MentionRef], corrector: Corrector
) -> None:
    """ "Wrong place": a runner-up, a searched place or the clicked point for the name;
    "Not a place" for it."""
    key = props["id"]
    st.markdown("**Wrong place?**")
    index = event_mention_index(props, mentions)
    mention = mentions[index]
    if len(mentions) > 1:
        mention = st.selectbox(
            "The name",
            mentions,
            index=index,
            format_func=lambda m: f"{m.text} ({m.start}-{m.end})",
            key=f"cf-name-{key}",
        )
    where = st.radio("New place from", PLACE_SOURCES, key=f"cf-source-{key}")
    change = choose_place(props, mention, where, corrector)
    why = st.text_input("Why (optional)", key=f"cf-place-why-{key}")
    article = str(props["article_id"])
    save_col, not_col = st.columns(2)
    if save_col.button("Save place", key=f"cf-place-{key}", disabled=change is None) and change:
        target = mention_target(article, mention, change)
        corrector.save([target], why, f'Corrected "{mention.text}"')
    if not_col.button(
        f'"{escape_markdown(mention.text)}" is not a place',
        key=f"cf-nap-{key}",
        help="No event at this name",
    ):
        target = mention_target(article, mention, {"kind": "not_a_place"})
        corrector.save([target], why, f'Corrected "{mention.text}"')


def choose_place(
    props: Mapping[str, Any], mention: MentionRef, where: str, corrector: Corrector
) -> dict[str, Any] | None:
    """The place change the analyst picked, or None while there is none to save."""
    key = props["id"]
    near = _centre(corrector.version, props["article_id"], key, corrector.features)
    if where == PLACE_SOURCES[2]:
        return clicked_place(mention, corrector, key)
    if where == PLACE_SOURCES[1]:
        query = st.text_input("Search the gazetteer", value=mention.text, key=f"cf-query-{key}")
        found = search_places(corrector.places(), query, near)
        if not found:
            st.caption(f"No place in the gazetteer is called {escape_markdown(repr(query))}.")
    else:
        found = runner_ups(corrector.places(), mention.text, props, near)
        if not found:
            st.caption(
                f'The gazetteer has no other place called "{escape_markdown(mention.text)}".'
            )
    if not found:
        return None
    chosen = st.selectbox(
        "Place",
        found,
        format_func=lambda p: place_label(p, near),
        key=f"cf-{'search' if where == PLACE_SOURCES[1] else 'candidates'}-{key}",
    )
    return place_change(chosen) if chosen else None


def clicked_place(mention: MentionRef, corrector: Corrector, key: str) -> dict[str, Any] | None:
    """The point last clicked on the map, named (the mention's text unless changed)."""
    point = corrector.clicked_point
    if point is None:
        st.caption("Click the map where it happened, then come back here.")
        return None
    st.caption(f"Last clicked: {point[0]:.5f}, {point[1]:.5f}")
    name = st.text_input("Its name", value=mention.text, key=f"cf-point-name-{key}")
    return point_change(point[0], point[1], name) if name.strip() else None


def incident_section(props: EventProperties, corrector: Corrector) -> None:
    """ "Merge with another incident" near it; "Split from its incident"."""
    key = props["id"]
    choices = _nearby(corrector.version, key, props, corrector.features)
    if not choices and not can_split(props):
        return
    st.markdown("**Incident**")
    if choices:
        chosen = st.selectbox(
            "Merge with another incident",
            choices,
            format_func=lambda c: c.label,
            key=f"cf-merge-pick-{key}",
        )
        if st.button("Merge", key=f"cf-merge-{key}") and chosen:
            change = {"kind": "merge", "with": chosen.merge_with}
            corrector.save([event_target(props, change)], "", f"Merged {props['place']}")
    if can_split(props) and st.button("Split from its incident", key=f"cf-split-{key}"):
        change = {"kind": "split"}
        corrector.save([event_target(props, change)], "", f"Split {props['place']}")


def undo_section(props: EventProperties, corrector: Corrector) -> None:
    """ "Undo my last correction": an undo entry for the latest one of this event."""
    last = last_correction(corrector.corrections(), props)
    if last is None:
        return
    st.caption(escape_markdown(f"Last correction: {last.summary} ({last.at})"))
    if st.button("Undo my last correction", key=f"cf-undo-{props['id']}"):
        target = Target({"kind": "undo", "entry": last.id})
        corrector.save([target], "", f"Undid {last.id} ({last.summary})")


def unresolved_form(names: Sequence[UnresolvedName], corrector: Corrector) -> None:
    """Pick an unresolved name: give it a place (a gazetteer search), or say it is not one."""
    if not names:
        return
    st.markdown("**Place an unresolved name**")
    picked = st.selectbox("Name", names, format_func=lambda n: n.label, key="cf-unresolved-name")
    if picked is None:
        return
    st.caption(escape_markdown(picked.sentence[:300]))  # article text: never Markdown
    near = _centre(corrector.version, picked.article, None, corrector.features)
    query = st.text_input(
        "Search the gazetteer",
        value=picked.mention.text,
        key=f"cf-unresolved-query-{picked.article}-{picked.mention.start}",
    )
    found = search_places(corrector.places(), query, near)
    chosen = None
    if found:
        chosen = st.selectbox(
            "Place",
            found,
            format_func=lambda p: place_label(p, near),
            key="cf-unresolved-place",
        )
    else:
        st.caption(f"No place in the gazetteer is called {escape_markdown(repr(query))}.")
    why = st.text_input("Why (optional)", key="cf-unresolved-why")
    left, right = st.columns(2)
    what = f'Corrected "{picked.mention.text}"'
    if left.button("Save place", key="cf-unresolved-save", disabled=chosen is None) and chosen:
        target = mention_target(picked.article, picked.mention, place_change(chosen))
        corrector.save([target], why, what)
    if right.button("Not a place", key="cf-unresolved-nap"):
        target = mention_target(picked.article, picked.mention, {"kind": "not_a_place"})
        corrector.save([target], why, what)


__all__ = ["Corrector", "correction_form", "unresolved_form"]
