// What the first view leaves out, said on the map: located events outside the view as
// hints at its edge, and country-level events (no point locates them) in a country list.
// Both follow the filter ("cm:applied", filter.js) and count visible events only.

// The visible located events: the point markers shown and the events of the province
// outlines (at their province's point), as {x, y, c (ISO country code)}.
window.cmLocatedShown = function () {
    var out = [], visible = window.cmPending || Boolean;
    window.campaignLayers.forEach(function (l) {
        if (l.kind === "points") {
            // A marker is an incident: each of its shown reports is an event of the count.
            l.markers.forEach(function (m) {
                if (m.cmOn) { Array.prototype.push.apply(out, m.cmShown || [m.feature.properties]); }
            });
        } else if (l.kind === "regions") {
            l.layer.eachLayer(function (r) {
                if (r.feature.properties.country) { return; }
                r.feature.properties.members.forEach(function (p) {
                    if (visible(p)) { out.push(p); }
                });
            });
        }
    });
    return out;
};

// Hints at the map's edge, one per country with visible located events outside the view,
// in their direction ("3 events in the United States →"); a click fits the map to them.
// opts: {places: ISO code -> "the United States", padding: [x, y], maxZoom}.
window.cmEdgeHints = function (map, opts) {
    var box = L.DomUtil.create("div", "cm-hints", map.getContainer());
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    // The hints sit above the map's panes, popups included: step aside while one is open.
    map.on("popupopen", function () { L.DomUtil.addClass(box, "cm-hints-aside"); });
    map.on("popupclose", function () { L.DomUtil.removeClass(box, "cm-hints-aside"); });
    var arrows = ["→", "↘", "↓", "↙", "←", "↖", "↑", "↗"];  // by angle, y down

    function groups() {
        var view = map.getBounds(), by = {};
        window.cmLocatedShown().forEach(function (p) {
            var ll = L.latLng(p.y, p.x);
            if (view.contains(ll)) { return; }
            var g = by[p.c] || (by[p.c] = {c: p.c, n: 0, bounds: L.latLngBounds(ll, ll)});
            g.n += 1;
            g.bounds.extend(ll);
        });
        return Object.keys(by).sort().map(function (c) { return by[c]; });
    }

    // Where the line from the view's centre towards the events leaves the view, kept away
    // from the corners (the controls live there): {side, at (px along that side)}.
    function edge(g, size) {
        var t = map.latLngToContainerPoint(g.bounds.getCenter());
        var dx = t.x - size.x / 2, dy = t.y - size.y / 2;
        var side = Math.abs(dx) * size.y > Math.abs(dy) * size.x ?
            (dx > 0 ? "right" : "left") : (dy > 0 ? "bottom" : "top");
        var along = side === "left" || side === "right" ?
            size.y / 2 + dy * (size.x / 2) / Math.abs(dx || 1) :
            size.x / 2 + dx * (size.y / 2) / Math.abs(dy || 1);
        var length = side === "left" || side === "right" ? size.y : size.x;
        var angle = Math.atan2(dy, dx);
        return {side: side, length: length, arrow: arrows[(Math.round(angle / (Math.PI / 4)) + 8) % 8],
                at: Math.max(length * 0.2, Math.min(length * 0.8, along))};
    }

    // One button per country, kept across renders (moved and relabelled, not rebuilt): a
    // hint under the pointer or holding the keyboard focus stays the same element.
    var buttons = {};

    function button(c) {
        var b = buttons[c];
        if (!b) {
            b = buttons[c] = L.DomUtil.create("button", "cm-hint", box);
            b.type = "button";
            b.title = "Show them";
            b.setAttribute("data-country", c);
            b.addEventListener("click", function () {
                map.fitBounds(b.cmBounds, {padding: opts.padding, maxZoom: opts.maxZoom});
            });
        }
        return b;
    }

    function render() {
        var size = map.getSize(), placed = {left: [], right: [], top: [], bottom: []}, kept = {};
        groups().forEach(function (g) {
            var e = edge(g, size), west = e.arrow === "←" || e.arrow === "↖" || e.arrow === "↙";
            var words = g.n + " event" + (g.n === 1 ? "" : "s") +
                (opts.places[g.c] ? " in " + opts.places[g.c] : "");
            var b = button(g.c), text = west ? e.arrow + " " + words : words + " " + e.arrow;
            b.className = "cm-hint cm-hint-" + e.side;
            if (b.textContent !== text) { b.textContent = text; }
            b.style.left = b.style.top = "";
            b.cmBounds = g.bounds;
            kept[g.c] = true;
            placed[e.side].push({el: b, at: e.at});
        });
        Object.keys(buttons).forEach(function (c) {
            if (!kept[c]) { L.DomUtil.remove(buttons[c]); delete buttons[c]; }
        });
        Object.keys(placed).forEach(function (side) {  // along each side, none over another
            var vertical = side === "left" || side === "right", end = -Infinity;
            placed[side].sort(function (a, b) { return a.at - b.at; }).forEach(function (h) {
                var extent = vertical ? h.el.offsetHeight : h.el.offsetWidth;
                var start = Math.max(h.at - extent / 2, end + 4);
                h.el.style[vertical ? "top" : "left"] = start + "px";
                end = start + extent;
            });
        });
        document.documentElement.setAttribute("data-edge-hints", String(Object.keys(buttons).length));
    }

    map.on("moveend resize", render);
    document.addEventListener("cm:applied", render);
    render();
};

// The country-level events, by country, in a collapsible control: "Country-level (17):
// Mali 12, France 2, ..."; each country opens a popup listing its visible events.
// groups: [{name, members}]; popup(members) -> HTML; opts: {popupWidth}.
window.cmCountryList = function (map, groups, popup, opts) {
    var root = window.cmControl(map, "topright", "cm-countries",
        "<details><summary></summary><ul></ul></details>");
    L.DomEvent.disableClickPropagation(root);
    L.DomEvent.disableScrollPropagation(root);
    var summary = root.querySelector("summary"), list = root.querySelector("ul");
    var shown = [];

    function update() {
        var visible = window.cmPending || Boolean;
        shown = groups.map(function (g) {
            return {name: g.name, members: g.members.filter(visible)};
        }).filter(function (g) { return g.members.length; }).sort(function (a, b) {
            return b.members.length - a.members.length || (a.name < b.name ? -1 : 1);
        });
        var total = shown.reduce(function (n, g) { return n + g.members.length; }, 0);
        root.style.display = total ? "" : "none";
        summary.textContent = "Country-level (" + total + "): " + shown.slice(0, 4)
            .map(function (g) { return g.name + " " + g.members.length; }).join(", ") +
            (shown.length > 4 ? ", +" + (shown.length - 4) + " more" : "");
        list.innerHTML = shown.map(function (g, i) {
            return '<li><button type="button" data-i="' + i + '">' + window.cmEsc(g.name) +
                ": " + g.members.length + " event" + (g.members.length === 1 ? "" : "s") +
                "</button></li>";
        }).join("");
    }

    list.addEventListener("click", function (ev) {
        var i = ev.target.getAttribute && ev.target.getAttribute("data-i");
        if (i === null || !shown[+i]) { return; }
        L.popup({maxWidth: opts.popupWidth, maxHeight: 400, autoPan: false,
                 className: "cm-country-popup"})
            .setLatLng(map.getCenter()).setContent(popup(shown[+i].members)).openOn(map);
    });
    document.addEventListener("cm:applied", update);
    update();
    return root;
};
