// Which events the map shows. Markers are made once (layers.js); a filter only adds or
// removes those whose visibility changed, so moving the time slider never rebuilds the map.
// The page's state lives on `window` and the <html> element's data attributes, which the
// browser tests and benchmarks read.

// {kind: "points", cluster, markers, halo} | {kind: "regions", layer, countries}
window.campaignLayers = [];
window.cmCounts = {located: 0, country: 0};  // what cmApply shows (cmCountText says it)
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

// visible(properties) -> bool. Returns how many events are shown, located and
// country-level (window.cmCounts). Remembered, so that a layer whose data arrives later
// starts with the current filter.
window.cmApply = function (visible) {
    window.cmPending = visible;
    window.cmApplied += 1;
    window.cmBusy += 1;
    var located = 0, country = 0;
    window.campaignLayers.forEach(function (l) {
        if (l.kind === "points") {
            var keep = [], add = [], remove = [];
            l.markers.forEach(function (m) {
                var on = !!visible(m.feature.properties);
                if (on) { keep.push(m); }
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
            located += keep.length;
        } else if (l.kind === "regions") {
            l.layer.eachLayer(function (r) {
                var f = r.feature.properties, n = f.members.filter(visible).length;
                r.setStyle(n ? {opacity: 1, fillOpacity: 0.12} : {opacity: 0, fillOpacity: 0});
                // A small country's outline: its events are counted in the country list.
                if (!f.country) { located += n; }
            });
            l.countries.forEach(function (g) { country += g.members.filter(visible).length; });
        }
    });
    window.cmCounts = {located: located, country: country};
    var shown = located + country;
    document.documentElement.setAttribute("data-visible-events", String(shown));
    window.cmSettled();
    // Listeners (labels.js, follow.js) re-read what is visible once the filter is applied.
    document.dispatchEvent(new window.CustomEvent("cm:applied"));
    return shown;
};

// What the map shows, in words: "12 events", or "12 events located · 3 country-level"
// when some name only a country; as geo.map.framing.count_label says it in Python (the
// app, the briefing screen and the export say the same). counts: default window.cmCounts.
window.cmCountText = function (counts) {
    var c = counts || window.cmCounts || {located: 0, country: 0};
    var label = c.located + " event" + (c.located === 1 ? "" : "s");
    return c.country ? label + " located · " + c.country + " country-level" : label;
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
