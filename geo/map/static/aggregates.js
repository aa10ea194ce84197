// A large corpus's map, made on the server (geo.map.aggregate.ViewLayer, drawn by
// geo.map.aggregate_layer.AggregateLayer): only what is in view at this zoom and window.
// Cluster bubbles (a grid cell's events: sized by their number, written inside, ringed
// with their most frequent type's colour; a click zooms to them) and small circles, one
// per incident (its type's colour; a click reports the event as layers.js does): circles
// only when few enough are in view, else bubbles and a circle for each cell that holds a
// single incident.
// All on one canvas: no DOM element per point, so tens of thousands stay smooth.

// A circle marker with a short text in its middle, drawn on the canvas with the circle
// (the SVG renderer draws the circle alone).
window.cmCountMarker = function (latlng, opts) {
    var Counted = window.cmCountMarker.cls;  // made on first use: Leaflet is loaded by then
    if (!Counted) {
        Counted = window.cmCountMarker.cls = L.CircleMarker.extend({
            _updatePath: function () {
                L.CircleMarker.prototype._updatePath.call(this);
                var r = this._renderer, o = this.options;
                if (!r._ctx || !r._drawing || this._empty() || !o.label) { return; }
                var ctx = r._ctx;
                ctx.save();
                ctx.font = "600 " + o.fontPx + "px sans-serif";
                ctx.textAlign = "center";
                ctx.textBaseline = "middle";
                ctx.fillStyle = o.labelColor;
                ctx.fillText(o.label, this._point.x, this._point.y);
                ctx.restore();
            }
        });
    }
    return new Counted(latlng, opts);
};

// 1234 -> "1.2k", 56789 -> "57k": a bubble's number in a few characters.
window.cmShortCount = function (n) {
    if (n < 1000) { return String(n); }
    if (n < 10000) { return (n / 1000).toFixed(1).replace(/\.0$/, "") + "k"; }
    if (n < 1000000) { return Math.round(n / 1000) + "k"; }
    return (n / 1000000).toFixed(1).replace(/\.0$/, "") + "M";
};

// The scale the page's style asks for (geo.map.layers.PageStyle: larger on a briefing screen).
window.cmPageScale = function () {
    return parseFloat(window.getComputedStyle(document.documentElement)
        .getPropertyValue("--cm-scale")) || 1;
};

// Draws one layer (geo.map.aggregate.ViewLayer.to_json()) into `group` on `renderer`.
// opts: {radius, stroke, dark, padding, styles: type -> [colour, label]} and, for the
// events an export holds as counts only (geo.map.large_export), muted: {colour, ink,
// what}: bubbles and dots in that colour (numbers in ink), tooltips saying what they are,
// a dot's click reports nothing (there is no record behind it in the page).
window.cmDrawAggregates = function (group, renderer, opts, d) {
    var scale = window.cmPageScale(), muted = opts.muted;
    function style(code) {
        return opts.styles[d.types[code]] || opts.styles.other || ["#BBBBBB", "Other"];
    }
    // Longitudes come in the frame of the view asked for (west may be below -180); the
    // event's own point is the same modulo 360.
    function wrapped(lng) { return ((lng + 180) % 360 + 360) % 360 - 180; }
    function report(lat, lng, id) {
        // After streamlit-folium's own handler, which reports the mouse's point: the
        // event's point and id instead (as layers.js does; the app finds the event by them).
        setTimeout(function () {
            if (window.__GLOBAL_DATA__) {
                window.__GLOBAL_DATA__.last_object_clicked = {lat: lat,
                    lng: lng >= -180 && lng <= 180 ? lng : wrapped(lng), id: id};
            }
        }, 0);
    }
    function markers() {
        var m = d.markers;
        m.id.forEach(function (id, i) {
            var st = style(m.type[i]), n = m.reports[i];
            // More reports, a little larger, as layers.js sizes an incident's marker.
            var radius = Math.round(opts.radius * scale *
                (1 + 0.25 * Math.min(2, Math.log2(Math.max(1, n)))));
            var marker = L.circleMarker([m.lat[i], m.lon[i]], {renderer: renderer,
                radius: radius, color: opts.stroke, weight: 1,
                fillColor: muted ? muted.colour : st[0], fillOpacity: muted ? 0.6 : 0.95});
            marker.bindTooltip(window.cmEsc(st[1]) + (n > 1 ? " · " + n + " reports" : "") +
                               (muted ? " · " + window.cmEsc(muted.what) : ""));
            marker.cmId = id;
            if (!muted) {
                marker.on("click", function () { report(m.lat[i], m.lon[i], id); });
            }
            group.addLayer(marker);
        });
    }
    function clusters() {
        var c = d.clusters, south = c.bounds[0], west = c.bounds[1], north = c.bounds[2],
            east = c.bounds[3];
        // The largest first: a smaller bubble overlapping it stays on top, seen and clickable.
        var order = c.events.map(function (n, i) { return i; });
        order.sort(function (a, b) { return c.events[b] - c.events[a] || a - b; });
        order.forEach(function (i) {
            var n = c.events[i], st = style(c.type[i]);
            var radius = Math.round(scale * Math.min(28, 11 + 2.2 * Math.log2(n)));
            // Muted: a dashed grey disc behind the map's own bubbles, not one of them.
            var bubble = window.cmCountMarker([c.lat[i], c.lon[i]], muted ? {
                renderer: renderer, radius: radius, color: muted.colour, weight: 1.5,
                dashArray: "4 3", fillColor: muted.colour, fillOpacity: 0.22,
                label: window.cmShortCount(n), labelColor: muted.ink,
                fontPx: Math.round(10 * scale)
            } : {
                renderer: renderer, radius: radius, color: st[0], weight: 4, opacity: 0.95,
                fillColor: opts.dark ? "#24272c" : "#ffffff", fillOpacity: 0.85,
                label: window.cmShortCount(n), labelColor: opts.dark ? "#eeeeee" : "#222222",
                fontPx: Math.round(11 * scale)});
            bubble.bindTooltip(n + " events, " + c.incidents[i] + " incidents" +
                               (muted ? " " + window.cmEsc(muted.what) : "") + "; most: " +
                               window.cmEsc(st[1]));
            bubble.on("click", function () {
                var map = bubble._map, box = L.latLngBounds([south[i], west[i]],
                                                            [north[i], east[i]]);
                // All at one point: no zoom parts them; report the point, the details
                // panel lists its events.
                if (box.getSouthWest().equals(box.getNorthEast())) {
                    if (!muted) { report(south[i], west[i], null); }
                } else if (map) {
                    map.fitBounds(box, {padding: opts.padding});
                }
            });
            group.addLayer(bubble);
        });
    }
    // Markers over the bubbles: a lone incident beside a cluster stays clickable.
    if (d.clusters) { clusters(); }
    if (d.markers) { markers(); }
};

// parent: the map or a feature group on it. opts: as cmDrawAggregates; source: {data:
// ViewLayer.to_json()} or {url} to fetch it from.
// Returns the layer group (added at once, filled when the data is there): streamlit-folium
// listens to the layers on the map when it mounts, and the group passes its markers'
// clicks on to it.
window.cmAggregates = function (parent, opts, source) {
    var group = L.featureGroup().addTo(parent);
    var renderer = L.canvas({padding: 0.5});
    // The app sends a new layer on every step and removes the old one: its canvas goes
    // with it (Leaflet keeps a renderer on the map once used).
    group.on("remove", function () { renderer.remove(); });
    // The layer on the map now and how it was drawn: what the tests and benchmarks read.
    function shown(d) {
        window.cmDrawAggregates(group, renderer, opts, d);
        window.cmAggregateGroup = group;
        group.cmKind = d.kind;
        group.cmZoom = d.zoom;  // the zoom the server made it for
    }
    if (source.url) {
        fetch(source.url).then(function (r) { return r.json(); }).then(shown);
    } else {
        shown(source.data);
    }
    return group;
};

// An export's layers made ahead for a range of zooms (geo.map.large_export): on each
// zoom, the layer made for the closest zoom at or below it (the lowest one below them
// all). layers: [[zoom, ViewLayer.to_json()], ...] in ascending zoom.
window.cmZoomAggregates = function (map, opts, layers) {
    var group = L.featureGroup().addTo(map);
    // Its own pane over the basemap's (350), under the events' (region outlines 390,
    // markers 400): the events held in full stay on top, seen and clickable.
    if (!map.getPane("cmOverview")) { map.createPane("cmOverview").style.zIndex = 370; }
    var renderer = L.canvas({padding: 0.5, pane: "cmOverview"});
    function redraw() {
        var zoom = map.getZoom(), chosen = layers[0];
        layers.forEach(function (entry) { if (entry[0] <= zoom) { chosen = entry; } });
        if (group.cmZoom === chosen[0]) { return; }
        group.clearLayers();
        window.cmDrawAggregates(group, renderer, opts, chosen[1]);
        group.cmZoom = chosen[0];
    }
    window.cmOverviewGroup = group;  // what the tests read
    if (layers.length) {
        map.whenReady(redraw);
        map.on("zoomend", redraw);
    }
    return group;
};
