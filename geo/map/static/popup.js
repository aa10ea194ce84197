// An event's (and an incident's) popup and tooltip, made in the page when they open: pre-rendered HTML for
// every event would triple the size of a 10,000-event export. `p` is one event as
// geo.map.popup.browser_event sends it (short keys), `arts` the shared article list and
// `styles` the event type -> [colour, label] table. The app's details panel shows the
// same content, made in Python (geo.map.popup.event_popup): Streamlit's Markdown runs no
// script.

window.cmWhen = function (p) {
    if (!p.start) { return "undated"; }
    var label = p.start === p.end ? p.start : p.start + " – " + p.end;
    if (p.b === "publication") { label += " (reported on)"; }
    else if (p.pn) { label += " (planned)"; }
    return label;
};

// The snippet with its place and time expressions marked; overlapping or stale marks
// (beyond the snippet) leave the text plain.
window.cmMarked = function (p) {
    var e = window.cmEsc, parts = [], at = 0;
    p.mk.slice().sort(function (x, y) { return x[0] - y[0]; }).forEach(function (m) {
        if (m[0] < at || m[1] > p.sn.length) { return; }
        parts.push(e(p.sn.slice(at, m[0])));
        parts.push('<mark class="cm-' + (m[2] ? "place" : "time") + '">' +
                   e(p.sn.slice(m[0], m[1])) + "</mark>");
        at = m[1];
    });
    parts.push(e(p.sn.slice(at)));
    return parts.join("");
};

// The gazetteer's name (sent only where it differs from the name shown) and the GeoNames
// id, in small type; nothing for a derived place with neither.
window.cmGazetteer = function (p) {
    var parts = [];
    if (p.gn && p.gn !== p.pl) { parts.push(window.cmEsc(p.gn)); }
    if (p.gid) { parts.push("GeoNames " + Number(p.gid)); }
    return parts.length ? '<div class="cm-gazetteer">' + parts.join(" · ") + "</div>" : "";
};

// The article an event comes from: its title (a link when it has a URL), then its source
// and publication date.
window.cmArticleLine = function (p, arts) {
    var e = window.cmEsc, a = arts[p.a] || {};
    var title = "<bdi>" + e(a.t) + "</bdi>";  // bidi controls stay inside article text
    // a.u is an http(s) URL or "" (geo.escape.safe_url): no javascript: link.
    var link = a.u ? '<a href="' + e(a.u) + '" target="_blank" rel="noopener">' + title + "</a>"
                   : title;
    // Source and publication date: only the parts the article has, no dangling " · ".
    var source = [a.s ? "<bdi>" + e(a.s) + "</bdi>" : "", a.p ? "published " + e(a.p) : ""]
        .filter(Boolean).join(" · ");
    return '<div class="cm-article">' + link + (source ? "<br>" + source : "") + "</div>";
};

window.cmPopup = function (p, arts, styles) {
    var e = window.cmEsc, st = styles[p.ty] || styles.other;
    return '<div class="cm-popup"><div class="cm-type" style="border-left:6px solid ' +
        e(st[0]) + '">' + e(st[1]) + " · " + e(p.pl) + ' <span class="cm-level">(' + e(p.lv) +
        ")</span></div>" + window.cmGazetteer(p) + '<div class="cm-when">' +
        e(window.cmWhen(p)) + '</div><blockquote class="cm-snippet">' + window.cmMarked(p) +
        "</blockquote>" + window.cmArticleLine(p, arts) +
        (p.ac ? '<div class="cm-actors">Actors: ' + e(p.ac) + "</div>" : "") +
        (p.fg ? '<div class="cm-figures">Figures: ' + e(p.fg) + "</div>" : "") +
        (p.il ? '<div class="cm-incident">' + e(p.il) + "</div>" : "") +
        (p.cr ? '<div class="cm-corrected">' + e(p.cr) + "</div>" : "") +
        '<div class="cm-conf">confidence ' + p.cf.toFixed(2) +
        (p.lv === "derived" ? " · derived place" : "") + " · " + e(window.cmPrecision(p)) +
        "</div></div>";
};

// An incident's popup (one marker of layers.js): its place (the anchor's), the incident
// line, then each report shown, newest first (`shown`, in that order): its type and date,
// the sentence with its marks, its article, actors and figures. One report shown: that
// event's own popup.
window.cmIncidentPopup = function (anchor, shown, arts, styles) {
    if (shown.length <= 1) { return window.cmPopup(shown[0] || anchor, arts, styles); }
    var e = window.cmEsc, st = styles[anchor.ty] || styles.other;
    var total = Math.max(anchor.ir || 0, shown.length);
    var reports = shown.map(function (p) {
        var t = styles[p.ty] || styles.other;
        return '<li class="cm-report"><div class="cm-when" style="border-left:4px solid ' +
            e(t[0]) + '">' + e(t[1]) + " · " + e(window.cmWhen(p)) +
            (p.pl !== anchor.pl ? " · " + e(p.pl) : "") + '</div><blockquote class="cm-snippet">' +
            window.cmMarked(p) + "</blockquote>" + window.cmArticleLine(p, arts) +
            (p.ac ? '<div class="cm-actors">Actors: ' + e(p.ac) + "</div>" : "") +
            (p.fg ? '<div class="cm-figures">Figures: ' + e(p.fg) + "</div>" : "") +
            (p.cr ? '<div class="cm-corrected">' + e(p.cr) + "</div>" : "") + "</li>";
    });
    return '<div class="cm-popup cm-incident-popup"><div class="cm-type" ' +
        'style="border-left:6px solid ' + e(st[0]) + '">' + e(st[1]) + " · " + e(anchor.pl) +
        ' <span class="cm-level">(' + e(anchor.lv) + ")</span></div>" +
        window.cmGazetteer(anchor) +
        (anchor.il ? '<div class="cm-incident">' + e(anchor.il) + "</div>" : "") +
        '<div class="cm-shown">' + (shown.length < total ? shown.length + " of " + total :
                                    "All " + total) + " reports shown, newest first</div>" +
        '<ol class="cm-reports">' + reports.join("") + "</ol>" +
        '<div class="cm-conf">' + e(window.cmPrecision(anchor)) + "</div></div>";
};

// ACLED-style precision codes (geo/pipeline/precision.py), as popup.py writes them.
window.cmPrecision = function (p) {
    return "precision place " + p.gp + (p.tp ? ", time " + p.tp : "");
};

window.cmTooltip = function (p, styles) {
    var st = styles[p.ty] || styles.other;
    return window.cmEsc(p.pl + ": " + st[1] + ", " + window.cmWhen(p));
};

// An incident's tooltip: its place and type, the dates its reports shown span and how many
// they are ("Townville: Offensive, 2016-03-01 – 2016-03-04 · 3 reports").
window.cmIncidentTooltip = function (anchor, shown, styles) {
    if (shown.length <= 1) { return window.cmTooltip(shown[0] || anchor, styles); }
    var st = styles[anchor.ty] || styles.other;
    var starts = shown.map(function (p) { return p.start; }).filter(Boolean).sort();
    var ends = shown.map(function (p) { return p.end; }).filter(Boolean).sort();
    var last = ends.length ? ends[ends.length - 1] : starts[starts.length - 1];
    var when = !starts.length ? "undated" : starts[0] === last ? starts[0] :
        starts[0] + " – " + last;
    return window.cmEsc(anchor.pl + ": " + st[1] + ", " + when + " · " + shown.length +
                        " reports");
};
