// The offline basemap: countries, provinces (name as tooltip), rivers, lakes and city
// labels, drawn from geo.map.basemap's GeoJSON. `p` is the palette (geo.map.basemap.PALETTES);
// source is {url} (the app's static files, fetched once) or {data} (the export). Layers
// sit in panes below the event markers, whatever order they arrive in.
window.cmBasemap = function (map, p, source) {
    var esc = window.cmEsc;
    function pane(name, z) {
        if (!map.getPane(name)) { map.createPane(name).style.zIndex = z; }
        return name;
    }
    var base = pane("cmBase", 350), labels = pane("cmLabels", 390);
    window.cmLoad(source, function (data) {
        var f = data.features;
        function kind(k) {
            return f.filter(function (x) { return x.properties.kind === k; });
        }
        L.geoJson(kind("country"), {pane: base, interactive: false, style: {
            fillColor: p.land, fillOpacity: 1, color: p.border,
            weight: p.border_weight}}).addTo(map);
        L.geoJson(kind("province"), {pane: base, style: {fill: true,
            fillOpacity: 0, color: p.province, weight: p.province_weight,
            dashArray: "3 3"},
            onEachFeature: function (x, layer) {
                layer.bindTooltip(esc(x.properties.name), {sticky: true}); }
        }).addTo(map);
        L.geoJson(kind("lake").concat(kind("river")), {pane: base,
            interactive: false, style: function (x) {
                var lake = x.properties.kind === "lake";
                return {color: p.river, weight: p.river_weight, opacity: 0.9,
                        fill: lake, fillColor: p.sea, fillOpacity: 1}; }
        }).addTo(map);
        kind("city").forEach(function (c) {
            var ll = [c.geometry.coordinates[1], c.geometry.coordinates[0]];
            L.marker(ll, {pane: labels, interactive: false, keyboard: false,
                icon: L.divIcon({html: "<i></i><span>" + esc(c.properties.name) +
                    "</span>", className: c.properties.capital ?
                    "basemap-city capital" : "basemap-city",
                    iconSize: [0, 0], iconAnchor: [0, 0]})}).addTo(map);
        });
        document.documentElement.setAttribute("data-basemap", "drawn");
    });
};
