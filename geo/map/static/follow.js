// The briefing screen's camera (geo.map.follow.Follow): as the date window moves, the map
// eases to the events it shows. It moves only when they are not well framed (one outside
// the free part of the map, or all of them small in a view zoomed far out), as little as
// that needs (a pan when the zoom is right, else a flight to their box), never closer than
// a town and its surroundings, and not at all when no located event is visible
// (country-level events have no point to frame). filter.js fires "cm:applied" after every
// filter change. opts: {minKm (the least the map's free part spans), margin (share of the
// map's smaller side), duration (s), slack (zoom levels), groupKm (places this close are
// framed together), overlay (a selector of the page's panel over the map's left side)}.
window.cmFollow = function (map, opts) {
    // Where the page's caption panel covers the map (briefing-map.css): labels.js keeps
    // its labels out of it, as out of the map's controls.
    L.DomUtil.create("div", "cm-covered", map.getContainer());
    var moving = false, pending = false, queued = false, endsAt = 0;
    // Tests and benchmarks: how often the map was moved, and whether a move is under way or
    // about to be decided.
    window.cmFollowMoves = 0;
    window.cmFollowing = false;
    function settle() { window.cmFollowing = moving || pending || queued; }

    // The visible point events' places, each once with its number of events (regions and
    // country-level events have no point).
    function visiblePlaces() {
        var places = {};
        (window.campaignLayers || []).forEach(function (l) {
            if (l.kind !== "points") { return; }
            l.markers.forEach(function (m) {
                if (!m.cmOn) { return; }
                var p = m.feature.properties, key = p.y + "," + p.x;
                places[key] = places[key] || {at: L.latLng(p.y, p.x), events: 0};
                places[key].events += 1;
            });
        });
        return Object.keys(places).map(function (k) { return places[k]; });
    }

    // The places to frame: the group (places within opts.groupKm of another of the group)
    // with the most events; of equal groups, the one nearest the view, so the map does not
    // swing between them. A statement in a far capital about the front does not zoom the
    // map out to half the world.
    function mainGroup(places) {
        var group = places.map(function (p, i) { return i; });
        function root(i) { return group[i] === i ? i : (group[i] = root(group[i])); }
        places.forEach(function (a, i) {
            places.forEach(function (b, j) {
                if (j > i && a.at.distanceTo(b.at) <= opts.groupKm * 1000) {
                    group[root(j)] = root(i);
                }
            });
        });
        var groups = {}, centre = map.getCenter();
        places.forEach(function (p, i) {
            var g = groups[root(i)] = groups[root(i)] || {points: [], events: 0, near: Infinity};
            g.points.push(p.at);
            g.events += p.events;
            g.near = Math.min(g.near, centre.distanceTo(p.at));
        });
        return Object.keys(groups).map(function (k) { return groups[k]; })
            .sort(function (a, b) { return b.events - a.events || a.near - b.near; })[0].points;
    }

    // How much of the map's left side the page's overlay covers, in map pixels: the map
    // fills a frame of the page (streamlit-folium), same origin, so the panel can be read.
    function overlayWidth() {
        try {
            var frame = window.frameElement, panel = frame &&
                frame.ownerDocument.querySelector(opts.overlay);
            if (!panel) { return 0; }
            var right = panel.getBoundingClientRect().right -
                frame.getBoundingClientRect().left;
            return Math.max(0, Math.min(right, map.getSize().x / 2));
        } catch {
            return 0;  // not in a frame of the app's page: nothing covers the map
        }
    }

    // The part of the map the events should sit in: beside the overlay, inside the margin.
    function freeBox() {
        var size = map.getSize(), m = Math.round(opts.margin * Math.min(size.x, size.y));
        return L.bounds(L.point(overlayWidth() + m, m), L.point(size.x - m, size.y - m));
    }

    // The closest zoom: the free box's smaller side still spans opts.minKm there. In ground
    // distance, not a zoom level, so that a 4K screen shows what a 1080p one does.
    function closestZoom(box, at) {
        var side = Math.min(box.max.x - box.min.x, box.max.y - box.min.y);
        var metresPerPixelAtZero = 40075016.686 * Math.cos(at.lat * Math.PI / 180) / 256;
        var zoom = Math.floor(Math.log2(metresPerPixelAtZero * side / (opts.minKm * 1000)));
        return Math.max(map.getMinZoom(), Math.min(map.getMaxZoom(), zoom));
    }

    function follow() {
        var places = visiblePlaces();
        if (!places.length) { return settle(); }
        var points = mainGroup(places);
        var box = freeBox(), size = map.getSize();
        var topLeft = box.min, bottomRight = size.subtract(box.max);
        var bounds = L.latLngBounds(points);
        var closest = closestZoom(box, bounds.getCenter());
        var want = Math.min(closest, map.getBoundsZoom(bounds, false, topLeft.add(bottomRight)));
        var zoom = map.getZoom();
        var pixels = L.bounds(points.map(function (p) { return map.latLngToContainerPoint(p); }));
        var inside = box.contains(pixels);
        if (inside && zoom >= want - opts.slack) { return settle(); }  // well framed: stay
        window.cmFollowMoves += 1;
        if (zoom === want) {  // the right zoom, some events outside: the smallest pan
            var dx = pixels.min.x < box.min.x ? pixels.min.x - box.min.x
                : Math.max(0, pixels.max.x - box.max.x);
            var dy = pixels.min.y < box.min.y ? pixels.min.y - box.min.y
                : Math.max(0, pixels.max.y - box.max.y);
            started(opts.duration / 2);
            map.panBy([dx, dy], {duration: opts.duration / 2, easeLinearity: 0.5});
        } else {
            started(opts.duration);
            map.flyToBounds(bounds, {paddingTopLeft: topLeft, paddingBottomRight: bottomRight,
                                     maxZoom: closest, duration: opts.duration});
        }
    }

    // A move lasts its duration: a "moveend" before that is someone else's (a resize of
    // the map), and the move is over at the first one after it, or a second later at the
    // latest (a move too small to animate ends at once).
    function started(seconds) {
        moving = window.cmFollowing = true;
        endsAt = Date.now() + seconds * 1000;
        setTimeout(function () { if (moving && Date.now() >= endsAt) { ended(); } },
                   seconds * 1000 + 1000);
    }

    // A step that came during the move is framed from where the move ended, not mid-flight.
    function ended() {
        moving = false;
        if (pending) { pending = false; follow(); }
        settle();
    }

    // The map fills the screen once briefing-map.css has loaded, which can be after Leaflet
    // measured its container (streamlit-folium sizes it in pixels first): measure again.
    if (window.ResizeObserver) {
        new window.ResizeObserver(function () { map.invalidateSize({pan: false}); })
            .observe(map.getContainer());
    }

    map.on("moveend", function () {
        if (moving && Date.now() >= endsAt - 20) { ended(); }
    });
    document.addEventListener("cm:applied", function () {
        if (moving) { pending = true; return settle(); }
        if (queued) { return; }
        // Once per burst of filter changes (the two layers apply the same filter in turn).
        queued = window.cmFollowing = true;
        setTimeout(function () { queued = false; follow(); }, 50);
    });
};
