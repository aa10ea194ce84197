// The event layers and the map's HTML controls (legend, title). geo.map.layers' elements
// call these with their options and data; filter.js decides what is visible.

// A layer's data: fetched once from the app's static files ({url}), or inlined ({data},
// the export).
window.cmLoad = function (source, build) {
    if (source.url) {
        fetch(source.url).then(function (r) { return r.json(); }).then(build);
    } else {
        build(source.data);
    }
};

// The events grouped by incident (`ic`: geo.map.popup.browser_event; an event reported once
// is its own), in the order of their first event: [{anchor, members}]. Members are newest
// first, as the app's details panel lists them (geo.app.dashboard.incident_reports: by
// publication date, then id); the anchor is the most precise member (lowest `gp`, then
// id), as geo.corpus.incidents names the incident's place: its marker stands there.
window.cmIncidents = function (events, arts) {
    var groups = new Map();
    events.forEach(function (p) {
        var key = p.ic || p.id;
        if (!groups.has(key)) { groups.set(key, []); }
        groups.get(key).push(p);
    });
    function published(p) { return (arts[p.a] || {}).p || ""; }
    function newestFirst(a, b) {
        var pa = published(a), pb = published(b);
        if (pa !== pb) { return pa < pb ? 1 : -1; }
        return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
    }
    function morePrecise(a, b) {
        return a.gp !== b.gp ? a.gp < b.gp : a.id < b.id;
    }
    return Array.from(groups.values()).map(function (members) {
        return {members: members.slice().sort(newestFirst),
                anchor: members.reduce(function (a, p) { return morePrecise(p, a) ? p : a; })};
    });
};

// Located incidents at their point (cities, villages, derived places, provinces without an
// outline): one marker per incident, at its anchor's point with its type's colour and shape
// (shapes.js), badged with its number of reports shown and a little larger for more;
// clustered in neutral bubbles. A derived place ("10 km south of X") also gets a dashed
// circle of its uncertainty. Each marker keeps its incident's events (cmMembers, newest
// first) and those the filter shows (cmShown, filter.js); m.feature.properties is the
// anchor. opts: {radius, popupWidth, stroke}; data: {events, articles, styles: type ->
// [colour, label, shape corners]}.
window.cmEventLayer = function (map, opts, source) {
    var cluster = L.markerClusterGroup({
        maxClusterRadius: 40, spiderfyOnMaxZoom: true, showCoverageOnHover: false,
        iconCreateFunction: window.cmClusterIcon,
        // Legs long enough that two or three circle markers at one place clear the
        // 40 px cluster icon, which stays on top (and takes clicks) while spiderfied.
        spiderfyDistanceMultiplier: 2,
        chunkedLoading: true, chunkProgress: function (done, total) {
            if (done === total) { window.cmSettled(); }
        }});
    var halo = L.layerGroup();
    cluster.addTo(map);
    halo.addTo(map);
    // With nine or more events at one place the spiral's first legs end under the bubble:
    // while spiderfied, clicks pass through the (faded) bubble to the markers beneath it.
    cluster.on("spiderfied", function (e) {
        if (e.cluster._icon) { e.cluster._icon.style.pointerEvents = "none"; }
    });
    cluster.on("unspiderfied", function (e) {
        if (e.cluster._icon) { e.cluster._icon.style.pointerEvents = ""; }
    });
    // Leaflet focuses the map on a mouse press (for its keys). In the app's frame, on a map
    // partly below the fold, that scrolls the page between the press and the release, and
    // the click lands elsewhere: no popup, no details. Focus without scrolling.
    if (map.keyboard && map.keyboard.enabled()) {
        map.keyboard.disable();
        map.keyboard._onMouseDown = function () {
            if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); }
        };
        map.keyboard.enable();
    }
    window.cmLoad(source, function (d) {
        var maxHeight = Math.max(300, Math.round(map.getSize().y * 0.6));
        var markers = window.cmIncidents(d.events, d.articles).map(function (g) {
            var p = g.anchor, st = d.styles[p.ty] || d.styles.other, ll = L.latLng(p.y, p.x);
            var m = window.cmShapeMarker(ll, st[2], {radius: opts.radius, color: opts.stroke,
                weight: 1, fillColor: st[0], fillOpacity: 0.95, className: "cm-event"});
            m.cmMembers = g.members;
            m.cmShown = [];
            // More reports, a little larger: +25% for 2, +50% from 4 (labels.js and the
            // cluster read the radius from the options).
            m.cmShow = function (shown) {
                var n = shown.length;
                m.cmShown = shown;
                m.setBadge(n);
                var radius = Math.round(opts.radius *
                    (1 + 0.25 * Math.min(2, Math.log2(Math.max(1, n)))));
                if (n && radius !== m.options.radius) { m.setRadius(radius); }
            };
            m.bindPopup(function () {
                return window.cmIncidentPopup(p, m.cmShown, d.articles, d.styles); },
                        {maxWidth: opts.popupWidth, maxHeight: maxHeight});
            m.bindTooltip(function () { return window.cmIncidentTooltip(p, m.cmShown, d.styles); });
            // streamlit-folium reports the clicked mouse point, and a spiderfied marker
            // lies away from its place: report an event's own point and id once its
            // handler has run (the app finds the clicked events by their point and shows
            // this one first: geo.app.dashboard.take_map_return). An incident's: its
            // newest report shown, whose details list the incident's reports.
            m.on("click", function () {
                var q = m.cmShown[0] || p;
                setTimeout(function () {
                    if (window.__GLOBAL_DATA__) {
                        window.__GLOBAL_DATA__.last_object_clicked = {lat: q.y, lng: q.x,
                                                                      id: q.id};
                    }
                }, 0);
            });
            m.feature = {properties: p};
            if (p.r > 0) {
                m.halo = L.circle(ll, {radius: p.r, color: st[0], weight: 2,
                    dashArray: "6 4", fill: false, interactive: false});
            }
            return m;
        });
        window.campaignLayers.push({kind: "points", cluster: cluster, markers: markers,
                                    halo: halo});
        if (window.cmLabels) { window.cmLabels.attach(map); }  // labels.js: event places
        window.cmApply(window.cmPending || function () { return true; });
    });
};

// Province- and country-level events, never as a false point: each province's outline
// once (and a small country's), its popup listing its visible events; the country-level
// events in the country list (framing.js). opts: {popupWidth}; data: {regions (GeoJSON,
// members per feature; `country` marks a country's outline), countries ([{name,
// members}]), articles, styles}.
window.cmRegionLayer = function (map, opts, source) {
    window.cmLoad(source, function (d) {
        function popup(members) {
            var shown = members.filter(window.cmPending || Boolean);
            return shown.slice(0, 20).map(function (p) {
                return window.cmPopup(p, d.articles, d.styles); }).join("") +
                (shown.length > 20 ? "<div>… and " + (shown.length - 20) +
                 " more events</div>" : "");
        }
        // Outlines in a pane under the markers' (400), over the basemap's (350): drawn
        // later into the markers' own SVG they would cover the markers inside them and
        // take their clicks (the province's popup opened, the details panel stayed empty).
        if (!map.getPane("cmRegions")) { map.createPane("cmRegions").style.zIndex = 390; }
        var layer = L.geoJson(d.regions, {
            pane: "cmRegions",
            style: function (f) {
                return {color: f.properties.color, weight: 3, dashArray: "8 6",
                        fillColor: f.properties.color, fillOpacity: 0.12};
            },
            onEachFeature: function (f, region) {
                region.bindPopup(function () { return popup(f.properties.members); },
                                 {maxWidth: opts.popupWidth, maxHeight: 400});
                region.bindTooltip(f.properties.tooltip, {sticky: true});
                // As a marker does: the app's details panel shows the region's events (they
                // share the region's point), its first shown event first.
                region.on("click", function () {
                    var first = f.properties.members.filter(window.cmPending || Boolean)[0];
                    setTimeout(function () {
                        if (first && window.__GLOBAL_DATA__) {
                            window.__GLOBAL_DATA__.last_object_clicked = {
                                lat: first.y, lng: first.x, id: first.id};
                        }
                    }, 0);
                });
            }
        }).addTo(map);
        window.campaignLayers.push({kind: "regions", layer: layer, countries: d.countries});
        window.cmCountryList(map, d.countries, popup, opts);
        if (window.cmPending) { window.cmApply(window.cmPending); }
    });
};

// A Leaflet control showing HTML made (and escaped) in Python: the legend, the export's
// title box. Returns its element.
window.cmControl = function (map, position, className, html) {
    var control = L.control({position: position});
    control.onAdd = function () {
        var div = L.DomUtil.create("div", className);
        div.innerHTML = html;
        return div;
    };
    control.addTo(map);
    return control.getContainer();
};

// The legend (geo.map.layers.Legend): a control whose <details> starts closed on a small
// map. On the briefing screen (opts.dark) it is compact and dark, fades out after
// opts.fadeMs and comes back while the pointer is on it or after any key press; the map
// then also shows no zoom buttons (geo.map.view) and draws its controls dark (map.css).
// opts: {className, position, dark, fadeMs, openMinWidth}.
window.cmLegend = function (map, opts, html) {
    var root = window.cmControl(map, opts.position,
                                opts.className + (opts.dark ? " cm-dark-legend" : ""), html);
    L.DomEvent.disableClickPropagation(root);
    L.DomEvent.disableScrollPropagation(root);
    var details = root.querySelector("details");
    if (details && map.getSize().x < opts.openMinWidth) { details.open = false; }
    if (!opts.dark) { return root; }
    map.getContainer().classList.add("cm-dark");
    var timer = null;
    function show() {
        root.classList.remove("cm-faded");
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { root.classList.add("cm-faded"); }, opts.fadeMs);
    }
    root.addEventListener("mouseenter", show);
    root.addEventListener("mousemove", show);
    document.addEventListener("keydown", show);
    show();
    return root;
};
