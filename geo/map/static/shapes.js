// Event markers with a shape per event type (geo.map.styles.SHAPES: polygon corners for a
// marker of radius 1, or null for a circle), and the neutral cluster bubbles.
//
// A shaped marker is a Leaflet circle marker that draws a polygon instead of its circle:
// one SVG <path class="cm-event"> per marker as before, so clustering, spiderfying,
// popups and the cost per marker stay those of a circle marker (a divIcon per event would
// add a DOM element and an image per marker). With the canvas renderer it stays a circle.

window.cmShapeMarker = function (latlng, corners, opts) {
    var Shape = window.cmShapeMarker.cls;  // made on first use: Leaflet is loaded by then
    if (!Shape) {
        Shape = window.cmShapeMarker.cls = L.CircleMarker.extend({
            _updatePath: function () {
                var r = this._renderer, pts = this.options.corners;
                if (!pts || !r._setPath || this._empty()) { r._updateCircle(this); return; }
                var x = this._point.x, y = this._point.y, s = this._radius;
                r._setPath(this, pts.map(function (c, i) {
                    return (i ? "L" : "M") + (x + c[0] * s).toFixed(1) + "," +
                        (y + c[1] * s).toFixed(1);
                }).join("") + "z");
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
