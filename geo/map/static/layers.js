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

// Point events (cities, villages, derived places) as coloured circles, clustered; a
// derived place ("10 km south of X") also gets a dashed circle of its uncertainty.
// opts: {radius, popupWidth}; data: {events, articles, styles}.
window.cmEventLayer = function (map, opts, source) {
    var cluster = L.markerClusterGroup({
        maxClusterRadius: 40, spiderfyOnMaxZoom: true, showCoverageOnHover: false,
        // Legs long enough that two or three circle markers at one place clear the
        // 40 px cluster icon, which stays on top (and takes clicks) while spiderfied.
        spiderfyDistanceMultiplier: 2,
        chunkedLoading: true, chunkProgress: function (done, total) {
            if (done === total) { window.cmSettled(); }
        }});
    var halo = L.layerGroup();
    cluster.addTo(map);
    halo.addTo(map);
    window.cmLoad(source, function (d) {
        var markers = d.events.map(function (p) {
            var st = d.styles[p.ty] || d.styles.other, ll = L.latLng(p.y, p.x);
            var m = L.circleMarker(ll, {radius: opts.radius, color: "#222",
                weight: 1, fillColor: st[0], fillOpacity: 0.9, className: "cm-event"});
            m.bindPopup(function () { return window.cmPopup(p, d.articles, d.styles); },
                        {maxWidth: opts.popupWidth});
            m.bindTooltip(function () { return window.cmTooltip(p, d.styles); });
            // streamlit-folium reports the clicked mouse point, and a spiderfied marker
            // lies away from its place: report the event's own point once its handler
            // has run (the app finds the clicked events by their point).
            m.on("click", function () {
                setTimeout(function () {
                    if (window.__GLOBAL_DATA__) {
                        window.__GLOBAL_DATA__.last_object_clicked = {lat: p.y, lng: p.x};
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
        window.cmApply(window.cmPending || function () { return true; });
    });
};

// Province- and country-level events: each region's outline once, its popup listing its
// events. opts: {popupWidth}; data: {regions (GeoJSON, members per feature), articles,
// styles}.
window.cmRegionLayer = function (map, opts, source) {
    window.cmLoad(source, function (d) {
        var layer = L.geoJson(d.regions, {
            style: function (f) {
                return {color: f.properties.color, weight: 3, dashArray: "8 6",
                        fillColor: f.properties.color, fillOpacity: 0.12};
            },
            onEachFeature: function (f, region) {
                var members = f.properties.members;
                region.bindPopup(function () {
                    return members.slice(0, 20).map(function (p) {
                        return window.cmPopup(p, d.articles, d.styles); }).join("") +
                        (members.length > 20 ? "<div>… and " + (members.length - 20) +
                         " more events</div>" : "");
                }, {maxWidth: opts.popupWidth, maxHeight: 400});
                region.bindTooltip(f.properties.tooltip, {sticky: true});
            }
        }).addTo(map);
        window.campaignLayers.push({kind: "regions", layer: layer});
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
