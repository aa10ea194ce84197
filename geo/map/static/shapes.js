// Event markers with a shape per event type (geo.map.styles.SHAPES: polygon corners for a
// marker of radius 1, or null for a circle), and the neutral cluster bubbles.
//
// A shaped marker is a Leaflet circle marker that draws a polygon instead of its circle:
// one SVG <path class="cm-event"> per marker as before, so clustering, spiderfying,
// popups and the cost per marker stay those of a circle marker (a divIcon per event would
// add a DOM element and an image per marker). With the canvas renderer it stays a circle.
// An incident's marker (layers.js) carries the number of its reports shown as a badge.

window.cmShapeMarker = function (latlng, corners, opts) {
    var Shape = window.cmShapeMarker.cls;  // made on first use: Leaflet is loaded by then
    if (!Shape) {
        Shape = window.cmShapeMarker.cls = L.CircleMarker.extend({
            onAdd: function (map) {
                L.CircleMarker.prototype.onAdd.call(this, map);
                this._drawBadge();
            },
            onRemove: function (map) {
                if (this._badge) { L.DomUtil.remove(this._badge); }
                this._badge = null;
                L.CircleMarker.prototype.onRemove.call(this, map);
            },
            // An incident's number of reports shown, as a badge at the marker's upper
            // right; none below 2. Kept while the marker is in a cluster, drawn when out.
            setBadge: function (n) {
                if (this.options.badge !== n) {
                    this.options.badge = n;
                    if (this._map) { this._drawBadge(); }
                }
                return this;
            },
            _updatePath: function () {
                var r = this._renderer, pts = this.options.corners;
                if (!pts || !r._setPath || this._empty()) { r._updateCircle(this); }
                else {
                    var x = this._point.x, y = this._point.y, s = this._radius;
                    r._setPath(this, pts.map(function (c, i) {
                        return (i ? "L" : "M") + (x + c[0] * s).toFixed(1) + "," +
                            (y + c[1] * s).toFixed(1);
                    }).join("") + "z");
                }
                this._placeBadge();
            },
            // The badge: an SVG group beside the marker's path in the renderer's own
            // group (so it moves, zooms and spiderfies with the marker at no cost), never
            // taking a click from it. The canvas renderer draws no badge.
            _drawBadge: function () {
                var n = this.options.badge || 0, root = this._renderer &&
                    this._renderer._rootGroup;
                if (n < 2 || !root) {
                    if (this._badge) { L.DomUtil.remove(this._badge); }
                    this._badge = null;
                    return;
                }
                if (!this._badge) {
                    this._badge = L.SVG.create("g");
                    this._badge.setAttribute("class", "cm-badge");
                    this._badge.setAttribute("pointer-events", "none");
                    this._badge.appendChild(L.SVG.create("circle"));
                    this._badge.appendChild(L.SVG.create("text"));
                }
                root.appendChild(this._badge);  // over its own marker's path
                this._badge.lastChild.textContent = String(n);
                this._placeBadge();
            },
            _placeBadge: function () {
                var g = this._badge;
                if (!g || !this._point) { return; }
                var s = this._radius, digits = String(this.options.badge).length;
                var r = Math.max(6, Math.round(s * 0.6)) + (digits - 1) * 2;
                var x = this._point.x + s * 0.85, y = this._point.y - s * 0.85;
                var circle = g.firstChild, text = g.lastChild;
                circle.setAttribute("cx", x.toFixed(1));
                circle.setAttribute("cy", y.toFixed(1));
                circle.setAttribute("r", String(r));
                text.setAttribute("x", x.toFixed(1));
                text.setAttribute("y", y.toFixed(1));
                text.setAttribute("font-size", String(Math.round(r * 1.3)));
            }
        });
    }
    return new Shape(latlng, L.extend({corners: corners}, opts));
};

// A cluster bubble: neutral (no event type's colour), its number sized by the page's type
// scale (--cm-scale, larger on the briefing screen) and the bubble by its count.
window.cmClusterIcon = function (cluster) {
    var n = cluster.getChildCount();
    var scale = parseFloat(window.getComputedStyle(document.documentElement)
        .getPropertyValue("--cm-scale")) || 1;
    var size = Math.round((n < 10 ? 34 : n < 100 ? 40 : 46) * scale);
    return L.divIcon({html: "<div><span>" + n + "</span></div>",
                      className: "marker-cluster cm-cluster", iconSize: L.point(size, size)});
};
