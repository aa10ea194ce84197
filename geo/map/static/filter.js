// Which events the map shows. Markers are made once (layers.js); a filter only adds or
// removes those whose visibility changed, so moving the time slider never rebuilds the map.
// The page's state lives on `window` and the <html> element's data attributes, which the
// browser tests and benchmarks read.

// {kind: "points", cluster, markers (one per incident: layers.js), halo} |
// {kind: "regions", layer, countries}
window.campaignLayers = [];
// What cmApply shows (cmCountText says it): events located and country-level, and the
// incidents among the located ones (an incident's marker shows while any of its events does).
window.cmCounts = {located: 0, country: 0, incidents: 0};
window.cmMountedAt = String(Date.now());  // tests: an unchanged value means no remount
document.documentElement.setAttribute("data-mounted-at", window.cmMountedAt);
// data-cm-applied: how many filters the map has finished drawing, including the cluster
// layer's chunked additions (tests and benchmarks wait for it).
window.cmApplied = 0;
window.cmBusy = 0;
window.cmPending = null;

window.cmSettled = function () {
    window.cmBusy = Math.max(0, window.cmBusy - 1);
    if (!window.cmBusy) {
        document.documentElement.setAttribute("data-cm-applied", String(window.cmApplied));
    }
};

// visible(properties) -> bool, asked of every event. Returns how many events are shown,
// located and country-level (window.cmCounts, data-visible-events); an incident's marker
// shows while one of its events does, badged with how many (data-visible-incidents: the
// incidents among the located events shown). Remembered, so that a layer whose data
// arrives later starts with the current filter.
window.cmApply = function (visible) {
    window.cmPending = visible;
    window.cmApplied += 1;
    window.cmBusy += 1;
    var located = 0, country = 0, incidents = new Set();
    window.campaignLayers.forEach(function (l) {
        if (l.kind === "points") {
            var keep = [], add = [], remove = [];
            l.markers.forEach(function (m) {
                var members = m.cmMembers || [m.feature.properties];
                var shown = members.filter(function (p) { return !!visible(p); });
                var on = shown.length > 0;
                if (m.cmShow) { m.cmShow(shown); }
                located += shown.length;
                if (on) {
                    keep.push(m);
                    incidents.add(m.feature.properties.ic || m.feature.properties.id);
                }
                if (on === !!m.cmOn) { return; }
                m.cmOn = on;
                (on ? add : remove).push(m);
                if (m.halo) { l.halo[on ? "addLayer" : "removeLayer"](m.halo); }
            });
            if (remove.length > keep.length) {  // mostly going: rebuilding is cheaper
                l.cluster.clearLayers();
                add = keep;
            } else if (remove.length) {
                l.cluster.removeLayers(remove);
            }
            if (add.length) {
                window.cmBusy += 1;  // the cluster layer calls cmSettled after its last chunk
                l.cluster.addLayers(add);
            }
        } else if (l.kind === "regions") {
            l.layer.eachLayer(function (r) {
                var f = r.feature.properties, shown = f.members.filter(visible);
                var n = shown.length;
                r.setStyle(n ? {opacity: 1, fillOpacity: 0.12} : {opacity: 0, fillOpacity: 0});
                // A small country's outline: its events are counted in the country list.
                if (!f.country) {
                    located += n;
                    shown.forEach(function (p) { incidents.add(p.ic || p.id); });
                }
            });
            l.countries.forEach(function (g) { country += g.members.filter(visible).length; });
        }
    });
    window.cmCounts = {located: located, country: country, incidents: incidents.size};
    var shown = located + country;
    document.documentElement.setAttribute("data-visible-events", String(shown));
    document.documentElement.setAttribute("data-visible-incidents", String(incidents.size));
    window.cmSettled();
    // Listeners (labels.js, follow.js) re-read what is visible once the filter is applied.
    document.dispatchEvent(new window.CustomEvent("cm:applied"));
    return shown;
};

// What the map shows, in words: "12 events", or "12 events located · 3 country-level"
// when some name only a country; "9 incidents (12 reports) · 3 country-level" when some
// located events report one incident. As geo.map.framing.count_label says it in Python
// (the app, the briefing screen and the export say the same). counts: default
// window.cmCounts (without `incidents`: one per event).
window.cmCountText = function (counts) {
    var c = counts || window.cmCounts || {located: 0, country: 0};
    var incidents = c.incidents === undefined ? c.located : c.incidents;
    var country = c.country ? " · " + c.country + " country-level" : "";
    if (incidents !== c.located) {
        return incidents + " incident" + (incidents === 1 ? "" : "s") + " (" + c.located +
            " reports)" + country;
    }
    var label = c.located + " event" + (c.located === 1 ? "" : "s");
    return c.country ? label + " located" + country : label;
};

// The app's filters and time window (geo.map.layers.ShowOnly, sent on every change): event n
// is shown when bit n % 8 of byte n / 8 of the base64 `bits` is set.
window.cmShowOnly = function (bits) {
    // streamlit-folium removes the previous feature group from the map but keeps it in
    // this list, and its component library adds a theme <style> per render: without the
    // pruning a briefing screen's map frame grows by two elements per step.
    if (window.feature_group) { window.feature_group.length = 0; }
    var themes = Array.prototype.filter.call(document.head.querySelectorAll("style"),
        function (s) { return s.innerHTML.indexOf("--primary-color") >= 0; });
    themes.slice(0, -1).forEach(function (s) { s.remove(); });
    var bytes = atob(bits);
    return window.cmApply(function (p) {
        return p.n >> 3 < bytes.length && (bytes.charCodeAt(p.n >> 3) >> (p.n & 7)) & 1;
    });
};
