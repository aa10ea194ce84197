// The offline basemap: countries, provinces (name as tooltip), rivers and lakes, drawn from
// geo.map.basemap's GeoJSON; its cities go to the label layout (labels.js), which labels
// the ones that fit and draws their dots. `p` is the palette (geo.map.basemap.PALETTES);
// source is {url} (the app's static files, fetched once) or {data} (the export). Layers
// sit in a pane below the event markers, whatever order they arrive in.
window.cmBasemap = function (map, p, source) {
    var esc = window.cmEsc;
    if (!map.getPane("cmBase")) { map.createPane("cmBase").style.zIndex = 350; }
    var base = "cmBase";
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
        window.cmLabels.attach(map).cities(kind("city"));
        document.documentElement.setAttribute("data-basemap", "drawn");
    });
};
