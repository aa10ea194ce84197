// The map's place labels, laid out in the page so that no two overlap at any zoom:
// 1) event places with a visible event (most events first), 2) capitals, 3) other cities
// and towns by rank, then population (the basemap's city features, basemap.js hands them
// over). Each label tries a few positions around its point (right, left, above, below, and
// for event places the diagonals) and takes the first one that is free; a label with no
// free position is left out. Markers, cluster bubbles and the map's controls are obstacles
// too, so a town label never hides under them; an event place's own label clears its marker.
//
// Layout runs on load, after every filter ("cm:applied", filter.js), on zoom, move and
// resize, debounced; only labels within the view plus a margin are considered, so a
// basemap with thousands of towns stays fast. Text is measured once per font (canvas),
// and label elements are made once and reused. window.cmLabels.stats has the last layout's
// time and counts (tests and benchmarks read it).
(function () {
    var GAP = 2;  // px kept free around every label
    // and around a town's label, as a share of its height: towns packed edge to edge read
    // as one block of text, so a little air between them is worth the labels it costs.
    var TOWN_AIR = 0.25;
    var MARGIN = 0.25;  // share of the view beyond each edge that is laid out too
    var CELL = 96;  // px, the side of a cell of the collision grid
    var DEBOUNCE_MS = 60;

    // Boxes {x0, y0, x1, y1} in layer pixels, bucketed by grid cell: a collision test looks
    // at the few cells a box covers, not at every label placed so far.
    function Grid() { this.cells = new Map(); }
    Grid.prototype.each = function (b, f) {
        for (var i = Math.floor(b.x0 / CELL); i <= Math.floor(b.x1 / CELL); i++) {
            for (var j = Math.floor(b.y0 / CELL); j <= Math.floor(b.y1 / CELL); j++) {
                if (f(i + ":" + j)) { return true; }
            }
        }
        return false;
    };
    Grid.prototype.hits = function (b) {
        var cells = this.cells;
        return this.each(b, function (k) {
            var list = cells.get(k);
            return !!list && list.some(function (o) {
                return o.x0 < b.x1 && b.x0 < o.x1 && o.y0 < b.y1 && b.y0 < o.y1;
            });
        });
    };
    Grid.prototype.add = function (b) {
        var cells = this.cells;
        this.each(b, function (k) {
            (cells.get(k) || cells.set(k, []).get(k)).push(b);
        });
    };

    function box(x, y, w, h, pad) {
        return {x0: x - pad, y0: y - pad, x1: x + w + pad, y1: y + h + pad};
    }

    // Where a w x h label goes for a point at (ax, ay) whose mark reaches d px out.
    var SIDES = {
        right: function (ax, ay, d, w, h) { return [ax + d, ay - h / 2]; },
        left: function (ax, ay, d, w, h) { return [ax - d - w, ay - h / 2]; },
        above: function (ax, ay, d, w, h) { return [ax - w / 2, ay - d - h]; },
        below: function (ax, ay, d, w, h) { return [ax - w / 2, ay + d]; },
        upRight: function (ax, ay, d, w, h) { return [ax + d * 0.7, ay - d * 0.7 - h]; },
        downRight: function (ax, ay, d, w, h) { return [ax + d * 0.7, ay + d * 0.7]; },
        upLeft: function (ax, ay, d, w, h) { return [ax - d * 0.7 - w, ay - d * 0.7 - h]; },
        downLeft: function (ax, ay, d, w, h) { return [ax - d * 0.7 - w, ay + d * 0.7]; }
    };
    var TOWN_SIDES = ["right", "left", "above", "below"];
    var EVENT_SIDES = TOWN_SIDES.concat(["upRight", "downRight", "upLeft", "downLeft"]);

    var state = {
        map: null, pane: null, probes: {}, cities: [], pool: new Map(), shown: [],
        widths: new Map(), ctx: null, fonts: null, controls: null, refreshing: false,
        timer: null, zooming: false
    };

    // The label fonts as the page's CSS sets them, read from hidden probe elements of each
    // label class; read again after a resize only (the briefing screen's scale follows the
    // window: screen.js), since reading a style forces the browser to recompute styles.
    // Kept only once labels.css applies (the app's frame may load it after this script).
    function fonts() {
        var out = {}, styled = true;
        Object.keys(state.probes).forEach(function (cls) {
            var cs = window.getComputedStyle(state.probes[cls]);
            var size = parseFloat(cs.fontSize);
            styled = styled && cs.position === "absolute";
            out[cls] = {font: cs.fontStyle + " " + cs.fontWeight + " " + cs.fontSize + " " +
                        cs.fontFamily, h: parseFloat(cs.lineHeight) || size * 1.2};
        });
        // The dot's radius: its size grows with the type scale (labels.css).
        out.dot = state.dotProbe.offsetWidth / 2 || 3;
        state.fonts = styled ? out : null;
        return out;
    }

    function measure(font, text) {
        var key = font + "\u0000" + text, w = state.widths.get(key);
        if (w === undefined) {
            state.ctx.font = font;
            w = Math.ceil(state.ctx.measureText(text).width);
            state.widths.set(key, w);
        }
        return w;
    }

    // How a marker shows now: itself, the cluster bubble it is in, or not at all (outside
    // the view). Leaflet.markercluster's getVisibleParent knows only icon markers. A marker
    // spread out of its bubble for a moment (spiderfied) still counts as in the bubble.
    function shownAs(m) {
        if (m._map && !m._preSpiderfyLatlng) { return m; }
        var c = m.__parent;
        while (c && !c._icon) { c = c.__parent; }
        return c || null;
    }

    // Half the size of a marker or cluster bubble, from its options where it has them (a
    // size read from the page would force the browser to lay the page out).
    function halfSize(layer) {
        if (layer.options && layer.options.radius) { return layer.options.radius; }
        var icon = layer._iconObj || (layer.options && layer.options.icon);
        var size = icon && icon.options && icon.options.iconSize;
        if (size) {
            size = L.point(size);
            return Math.max(size.x, size.y) / 2;
        }
        return layer._icon ? Math.max(layer._icon.offsetWidth, layer._icon.offsetHeight) / 2
            : 8;
    }

    // Event places with a visible event in `bounds`, and the markers and cluster bubbles
    // as obstacles. A place shown by its own marker, or by a bubble holding only its
    // events, is labelled beside that mark ("own"); a place inside a bubble shared with
    // other places only where its label and dot stay clear of every mark.
    function eventPlaces(bounds, obstacles) {
        var places = new Map(), marks = new Set(), map = state.map;
        (window.campaignLayers || []).forEach(function (l) {
            if (l.kind !== "points") { return; }
            l.markers.forEach(function (m) {
                var p = m.feature.properties, ll = m._preSpiderfyLatlng || m.getLatLng();
                if (!m.cmOn || !p.pl || !bounds.contains(ll)) { return; }
                var shown = shownAs(m);
                if (!shown) { return; }
                var key = p.pl + "|" + ll.lat.toFixed(4) + "|" + ll.lng.toFixed(4);
                var e = places.get(key);
                if (!e) {
                    e = {text: p.pl, ll: ll, count: 0, on: new Set()};
                    places.set(key, e);
                }
                e.count += 1;
                e.on.add(shown);
                if (!marks.has(shown)) {
                    marks.add(shown);
                    var c = map.latLngToLayerPoint(shown.getLatLng()), r = halfSize(shown);
                    obstacles.add({x0: c.x - r, y0: c.y - r, x1: c.x + r, y1: c.y + r});
                }
            });
        });
        var out = [];
        places.forEach(function (e, key) {
            var on = Array.from(e.on), mark = on[0];
            var own = on.every(function (s) { return !s.getChildCount; }) ||
                (on.length === 1 && mark.getChildCount() === e.count);
            out.push({key: "e:" + key, text: e.text, cls: "event", count: e.count,
                      ll: own ? mark.getLatLng() : e.ll, own: own,
                      d: own ? halfSize(mark) + 3 : 0, dot: !own});
        });
        out.sort(function (a, b) {
            return (b.own - a.own) || (b.count - a.count) || (a.text < b.text ? -1 : 1);
        });
        return out;
    }

    // The map's controls (legend, title, slider, scale...), the edge hints (map.css:
    // .cm-hints) and the briefing's caption panel (.cm-covered, follow.js) cover the map:
    // a label under them would be hidden, so they are obstacles.
    // Their boxes (container pixels) are read after the page is painted, when reading them
    // costs nothing (read during a layout, right after a zoom, they force the browser to lay
    // out the page first: up to 50 ms on a 4K screen); a change lays the labels out again.
    function readControls() {
        var c = state.map.getContainer(), at = c.getBoundingClientRect(), out = [];
        c.querySelectorAll(".leaflet-control, .cm-hints > *, .cm-covered").forEach(function (el) {
            var r = el.getBoundingClientRect();
            if (r.width && r.height) {
                out.push([r.left - at.left, r.top - at.top, r.width, r.height].map(Math.round));
            }
        });
        return out;
    }

    function refreshControls() {
        state.refreshing = true;
        window.requestAnimationFrame(function () {
            setTimeout(function () {
                state.refreshing = false;
                var now = readControls();
                if (JSON.stringify(now) !== JSON.stringify(state.controls)) {
                    state.controls = now;
                    schedule();
                }
            }, 0);
        });
    }

    function controls(obstacles) {
        var map = state.map;
        state.controls = state.controls || readControls();
        state.controls.forEach(function (r) {
            var p = map.containerPointToLayerPoint([r[0], r[1]]);
            obstacles.add({x0: p.x, y0: p.y, x1: p.x + r[2], y1: p.y + r[3]});
        });
    }

    // The first free position of a label; with `loose`, one that may lie over a marker
    // (never over another label) when no position clears them all. A label with a dot
    // (towns; event places inside a shared bubble) clears its dot, of radius `r`, and the
    // dot must be free too. Returns the label's top left corner, or null.
    function fit(c, a, w, h, r, sides, grids, loose) {
        var pad = c.cls === "event" ? GAP : Math.max(GAP, Math.round(h * TOWN_AIR));
        var d = c.dot ? r + 3 : c.d;
        var dot = c.dot ? {x0: a.x - r - 1, y0: a.y - r - 1, x1: a.x + r + 1, y1: a.y + r + 1}
            : null;
        if (dot && (grids.labels.hits(dot) || grids.marks.hits(dot))) { return null; }
        var passes = loose ? [true, false] : [true];
        for (var p = 0; p < passes.length; p++) {
            for (var i = 0; i < sides.length; i++) {
                var xy = SIDES[sides[i]](a.x, a.y, d, w, h), b = box(xy[0], xy[1], w, h, pad);
                if (!grids.labels.hits(b) && !(passes[p] && grids.marks.hits(b))) {
                    grids.labels.add(b);
                    if (dot) { grids.labels.add(dot); }
                    return xy;
                }
            }
        }
        return null;
    }

    function element(c) {
        var el = state.pool.get(c.key);
        if (!el) {
            el = {label: L.DomUtil.create("div", "cm-label cm-label-" + c.cls, state.pane),
                  dot: L.DomUtil.create("i", "cm-label-dot cm-dot-" + c.cls, state.pane)};
            el.label.textContent = c.text;
            state.pool.set(c.key, el);
        }
        return el;
    }

    function show(placed) {
        var now = new Set();
        placed.forEach(function (q) {
            var el = element(q.c);
            now.add(el);
            el.label.style.transform = "translate(" + q.xy[0] + "px," + q.xy[1] + "px)";
            el.label.style.display = "";
            el.dot.style.transform = "translate(" + q.a.x + "px," + q.a.y + "px)";
            el.dot.style.display = q.c.dot ? "" : "none";
        });
        state.shown.forEach(function (el) {
            if (!now.has(el)) { el.label.style.display = el.dot.style.display = "none"; }
        });
        state.shown = Array.from(now);
    }

    function layout() {
        state.timer = null;
        var map = state.map;
        if (!map || !map._loaded) { return; }
        var t0 = window.performance.now(), f = state.fonts || fonts();
        var bounds = map.getBounds().pad(MARGIN);
        var grids = {labels: new Grid(), marks: new Grid()};
        var placed = [], considered = 0, names = new Set();
        function tryPlace(c, sides, loose) {
            var a = map.latLngToLayerPoint(c.ll), font = f[c.cls];
            var xy = fit(c, a, measure(font.font, c.text), font.h, f.dot, sides, grids,
                         loose);
            considered += 1;
            if (xy) { placed.push({c: c, a: a, xy: xy}); }
            return xy;
        }
        controls(grids.marks);
        eventPlaces(bounds, grids.marks).forEach(function (c) {
            names.add(c.text.toLowerCase());
            tryPlace(c, EVENT_SIDES, c.own);
        });
        state.cities.forEach(function (c) {
            // A town that is an event place is already labelled under its event's name.
            if (bounds.contains(c.ll) && !names.has(c.text.toLowerCase())) {
                tryPlace(c, TOWN_SIDES, false);
            }
        });
        show(placed);
        state.zooming = false;
        L.DomUtil.removeClass(state.pane, "cm-labels-hidden");
        var s = window.cmLabels.stats;
        s.runs += 1;
        s.ms = Math.round((window.performance.now() - t0) * 100) / 100;
        s.placed = placed.length;
        s.considered = considered;
        document.documentElement.setAttribute("data-cm-labels", String(s.runs));
        if (!state.refreshing) { refreshControls(); }
    }

    function schedule() {
        if (state.timer) { window.clearTimeout(state.timer); }
        state.timer = setTimeout(layout, DEBOUNCE_MS);
    }

    function attach(map) {
        if (state.map === map) { return; }
        state.map = map;
        if (!map.getPane("cmLabels")) {
            // Above event circles and region outlines, below cluster bubbles and popups.
            map.createPane("cmLabels").style.zIndex = 450;
        }
        state.pane = L.DomUtil.create("div", "cm-labels", map.getPane("cmLabels"));
        ["city", "capital", "event"].forEach(function (cls) {
            var probe = L.DomUtil.create("div", "cm-label cm-label-" + cls, state.pane);
            probe.style.visibility = "hidden";
            probe.textContent = "x";
            state.probes[cls] = probe;
        });
        state.dotProbe = L.DomUtil.create("i", "cm-label-dot", state.pane);
        state.dotProbe.style.visibility = "hidden";
        state.ctx = document.createElement("canvas").getContext("2d");
        map.on("zoomstart", function () {
            state.zooming = true;
            L.DomUtil.addClass(state.pane, "cm-labels-hidden");
        });
        map.on("zoomend moveend viewreset", schedule);
        map.on("resize", function () {
            state.fonts = state.controls = null;
            schedule();
        });
    }

    window.cmLabels = {
        stats: {runs: 0, ms: 0, placed: 0, considered: 0},
        // Called by each layer that has a map: the event layer (layers.js) and the basemap.
        attach: function (map) {
            attach(map);
            (window.campaignLayers || []).forEach(function (l) {
                if (l.cluster && !l.cmLabelsHooked) {
                    l.cmLabelsHooked = true;
                    l.cluster.on("animationend", schedule);
                }
            });
            schedule();
            return window.cmLabels;
        },
        // The basemap's city features ({name, population, capital, rank?}), in label order.
        cities: function (features) {
            state.cities = features.filter(function (x) { return x.properties.name; })
                .map(function (x) {
                    var q = x.properties, ll = x.geometry.coordinates;
                    return {key: "c:" + q.name + "|" + ll[1] + "|" + ll[0], text: q.name,
                            cls: q.capital ? "capital" : "city", ll: L.latLng(ll[1], ll[0]),
                            d: 0, dot: true, capital: !!q.capital,
                            rank: q.rank == null ? Infinity : q.rank,
                            population: q.population || 0};
                }).sort(function (a, b) {
                    return (b.capital - a.capital) || (a.rank - b.rank) ||
                        (b.population - a.population);
                });
            schedule();
            return window.cmLabels;
        },
        relayout: layout,
        // No layout waiting and the last one done after the last zoom (tests wait for it).
        idle: function () {
            return !state.timer && !state.zooming && !state.refreshing && state.map !== null;
        }
    };
    document.addEventListener("cm:applied", schedule);
})();
