// The export's time slider: two range handles over the corpus's days, a play button and
// the period in big type. An event is shown when its interval overlaps the range
// (filter.js). opts: {start: "YYYY-MM-DD", days, step (days per play step), intervalMs}.
window.cmTimeSlider = function (map, opts) {
    var first = new Date(opts.start + "T00:00:00Z"), days = opts.days;
    function iso(n) {
        return new Date(first.getTime() + n * 86400000).toISOString().slice(0, 10);
    }
    var root = window.cmControl(map, "topright", "cm-slider",
        '<div class="cm-slider-period" aria-live="polite"></div>' +
        '<label>from <input type="range" class="cm-from" min="0" max="' + days +
        '" value="0" aria-label="start date"></label>' +
        '<label>to <input type="range" class="cm-to" min="0" max="' + days +
        '" value="' + days + '" aria-label="end date"></label>' +
        '<button type="button" class="cm-play" aria-label="play">▶ Play</button>' +
        '<span class="cm-slider-count"></span>');
    L.DomEvent.disableClickPropagation(root);
    L.DomEvent.disableScrollPropagation(root);
    var from = root.querySelector(".cm-from"), to = root.querySelector(".cm-to");
    var label = root.querySelector(".cm-slider-period");
    var count = root.querySelector(".cm-slider-count");
    var button = root.querySelector(".cm-play"), timer = null;
    function apply() {
        var a = Math.min(+from.value, +to.value), b = Math.max(+from.value, +to.value);
        var s = iso(a), e = iso(b);
        label.textContent = s === e ? s : s + " – " + e;
        var n = window.cmApply(function (p) { return p.start && p.start <= e && p.end >= s; });
        count.textContent = n + " events";
    }
    function step() {  // one step later; past the end it starts again
        var width = +to.value - +from.value;
        if (+to.value >= days) { from.value = 0; to.value = width; }
        else {
            to.value = Math.min(days, +to.value + opts.step);
            from.value = +to.value - width;
        }
        apply();
    }
    from.addEventListener("input", apply);
    to.addEventListener("input", apply);
    button.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; button.textContent = "▶ Play"; }
        else {
            if (+to.value - +from.value >= days) { to.value = Math.min(days, 30); }
            timer = setInterval(step, opts.intervalMs);
            button.textContent = "❚❚ Pause";
        }
    });
    window.cmSlider = {from: from, to: to, apply: apply};  // the browser tests drive it
    apply();
};
