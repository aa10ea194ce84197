// The briefing screen's type scale, from the size of the screen it is shown on: the page
// header's --cm-scale (geo.map.layers.PageStyle) is the scale for a 1920x1080 screen, and a
// larger screen (a 4K wall) multiplies it by its size over 1920x1080, so that labels, popups
// and cluster numbers take the same share of the screen on both. A smaller screen keeps the
// base scale (the floor): type never shrinks below what a 1080p room reads.
// In the app the map is an iframe: the screen is the top window when the page can see it.
window.cmFitScreen = function (base, fit) {
    window.cmFitScreen.args = [base, fit];
    var w = window.innerWidth, h = window.innerHeight;
    try {
        if (window.top !== window) {
            w = Math.max(w, window.top.innerWidth);
            h = Math.max(h, window.top.innerHeight);
        }
    } catch {
        // another origin's page: the frame's own size
    }
    var scale = fit ? base * Math.max(1, Math.min(w / 1920, h / 1080)) : base;
    document.documentElement.style.setProperty("--cm-scale", String(Math.round(scale * 1000) /
                                                                    1000));
    return scale;
};
window.addEventListener("resize", function () {
    var a = window.cmFitScreen.args;
    if (!a) { return; }
    var before = document.documentElement.style.getPropertyValue("--cm-scale");
    window.cmFitScreen(a[0], a[1]);
    // Cluster bubbles take their size from the scale when they are made (shapes.js): a
    // new scale makes them again.
    if (document.documentElement.style.getPropertyValue("--cm-scale") !== before) {
        (window.campaignLayers || []).forEach(function (l) {
            if (l.cluster) { l.cluster.refreshClusters(); }
        });
    }
});
