"""What each event type looks like: its colour and legend label, everywhere the map, the
legend, the popups and the app's chart show it."""

from __future__ import annotations

# One colour per event type (colour-blind-safe palette, Okabe-Ito), with its legend label.
EVENT_STYLES: dict[str, tuple[str, str]] = {
    "offensive": ("#D55E00", "Offensive or assault"),
    "capture": ("#CC79A7", "Capture or recapture"),
    "airstrike": ("#E69F00", "Airstrike or shelling"),
    "withdrawal": ("#56B4E9", "Withdrawal or retreat"),
    "deployment": ("#0072B2", "Deployment or troop movement"),
    "meeting": ("#009E73", "Meeting or visit"),
    "statement": ("#999999", "Statement or briefing"),
    "plan": ("#F0E442", "Plan or announcement"),
    "civilian_harm": ("#8B0000", "Civilian harm or displacement"),
    "other": ("#666666", "Other"),
}


def event_style(event_type: str | None) -> tuple[str, str]:
    """(colour, label) of an event type; unknown types look like "other"."""
    return EVENT_STYLES.get(event_type or "other", EVENT_STYLES["other"])
