// The export's time control: one track with two handles (the window's first and last day)
// over the corpus's days, month ticks, the window in big type, the count, and Play/Pause
// with a step and a speed. An event is shown when its interval overlaps the window
// (filter.js). Play moves the window as the app's playback does (geo.app.playback,
// PlaybackState.advanced): the width is kept, and past the end it starts again.
//
// The two handles are two <input type=range> laid over one track: each stays a native
// slider (arrow keys move it a day, PageUp/PageDown a tenth, screen readers read its date
// from aria-valuetext), with no library. Only the thumbs take the pointer (export.css).
//
// opts: {start: "YYYY-MM-DD", days, from, to (the first window, days from start),
//        steps: {name: days}, step (a name), speeds: [seconds per step], speed, dark}.
(function () {
    var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                  "Nov", "Dec"];
    var DAY = 86400000;
    // The window a Play from the whole span starts with, as the briefing screen's
    // (geo.app.playback.default_window): a moving window shows a change, the whole span none.
    var PLAY_WINDOW = 60;

    function readable(d) {  // "3 Mar 2015": a date as a reader says it, not ISO
        return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
    }

    function period(a, b) {  // "3 – 30 Mar 2015", "3 Mar – 2 Apr 2015", "3 Mar 2015"
        if (a.getTime() === b.getTime()) { return readable(a); }
        var sameYear = a.getUTCFullYear() === b.getUTCFullYear();
        var head = sameYear && a.getUTCMonth() === b.getUTCMonth() ? String(a.getUTCDate())
            : sameYear ? a.getUTCDate() + " " + MONTHS[a.getUTCMonth()] : readable(a);
        return head + " – " + readable(b);
    }

    // Where a day sits on the track: a thumb's centre moves from half a thumb in from the
    // left edge to half a thumb in from the right (the native slider's geometry).
    function at(fraction) {
        return "calc(var(--cm-thumb) / 2 + " + fraction + " * (100% - var(--cm-thumb)))";
    }

    // Month ticks, one label every k months so that about six fit; January says the year.
    function ticks(first, days) {
        var out = [], months = [], d = new Date(first.getTime());
        d.setUTCDate(1);
        if (d.getTime() < first.getTime()) { d.setUTCMonth(d.getUTCMonth() + 1); }
        for (; (d - first) / DAY <= days; d.setUTCMonth(d.getUTCMonth() + 1)) {
            months.push(new Date(d.getTime()));
        }
        var every = [1, 2, 3, 6, 12, 24, 60, 120].filter(function (k) {
            return months.length / k <= 6; })[0] || 240;
        var mark = every < 12 ? 1 : every / 4;  // a tick a month, or four per label
        months.forEach(function (m) {
            var index = m.getUTCFullYear() * 12 + m.getUTCMonth();
            if (index % mark) { return; }
            var f = days ? (m - first) / DAY / days : 0;
            var text = index % every ? "" : m.getUTCMonth() ? MONTHS[m.getUTCMonth()]
                : String(m.getUTCFullYear());
            out.push('<span class="cm-tick' + (text ? " cm-tick-label" : "") +
                '" style="left:' + at(f) + '">' + (text ? "<span>" + text + "</span>" : "") +
                "</span>");
        });
        return out.join("");
    }

    function options(values, current, label) {
        return values.map(function (v) {
            return '<option value="' + v + '"' + (String(v) === String(current) ?
                " selected" : "") + ">" + label(v) + "</option>";
        }).join("");
    }

    window.cmTimeSlider = function (map, opts) {
        var first = new Date(opts.start + "T00:00:00Z"), days = opts.days;
        function date(n) { return new Date(first.getTime() + n * DAY); }
        var root = window.cmControl(map, "topright", "cm-slider" + (opts.dark ? " cm-dark" : ""),
            '<div class="cm-slider-period" aria-live="polite"></div>' +
            '<div class="cm-slider-count"></div>' +
            '<div class="cm-range">' +
            '<div class="cm-range-track"></div><div class="cm-range-band"></div>' +
            '<input type="range" class="cm-from" min="0" max="' + days + '" value="' +
            opts.from + '" aria-label="first day of the window">' +
            '<input type="range" class="cm-to" min="0" max="' + days + '" value="' +
            opts.to + '" aria-label="last day of the window">' +
            "</div>" +
            '<div class="cm-ticks" aria-hidden="true">' + ticks(first, days) + "</div>" +
            '<div class="cm-slider-controls">' +
            '<button type="button" class="cm-play" aria-pressed="false">▶ Play</button>' +
            '<label>step <select class="cm-step">' + options(Object.keys(opts.steps),
                opts.step, function (k) { return k; }) + "</select></label>" +
            '<label>speed <select class="cm-speed">' + options(opts.speeds, opts.speed,
                function (s) { return s + " s / step"; }) + "</select></label>" +
            "</div>");
        L.DomEvent.disableClickPropagation(root);
        L.DomEvent.disableScrollPropagation(root);
        var from = root.querySelector(".cm-from"), to = root.querySelector(".cm-to");
        var range = root.querySelector(".cm-range");
        var label = root.querySelector(".cm-slider-period");
        var count = root.querySelector(".cm-slider-count");
        var button = root.querySelector(".cm-play"), timer = null;
        var stepSelect = root.querySelector(".cm-step");
        var speedSelect = root.querySelector(".cm-speed");

        function show() {  // the window's dates, the band between the handles
            var a = +from.value, b = +to.value;
            label.textContent = period(date(a), date(b));
            from.setAttribute("aria-valuetext", readable(date(a)));
            to.setAttribute("aria-valuetext", readable(date(b)));
            range.style.setProperty("--cm-a", days ? a / days : 0);
            range.style.setProperty("--cm-b", days ? b / days : 1);
            // Both handles on one day: the one that can still move takes the pointer.
            from.style.zIndex = a === b && b > days / 2 ? 3 : 2;
        }
        function counted() {  // the count as the app says it (filter.js, window.cmCountText)
            if (window.cmCountText) { return window.cmCountText(); }
            var n = +document.documentElement.getAttribute("data-visible-events") || 0;
            return n + (n === 1 ? " event" : " events");
        }
        function apply() {
            show();
            var s = date(+from.value).toISOString().slice(0, 10);
            var e = date(+to.value).toISOString().slice(0, 10);
            window.cmApply(function (p) { return p.start && p.start <= e && p.end >= s; });
            count.textContent = counted();
        }
        function set(a, b) { from.value = a; to.value = b; apply(); }
        function advance() {  // PlaybackState.advanced: one step later, the width kept
            var a = +from.value, b = +to.value, width = b - a;
            var step = opts.steps[stepSelect.value] || 7;
            if (b >= days) { set(0, Math.min(days, width)); }
            else { b = Math.min(days, b + step); set(b - width, b); }
        }
        function tick() {
            advance();
            timer = setTimeout(tick, +speedSelect.value * 1000);
        }
        function pause() {
            window.clearTimeout(timer);
            timer = null;
            button.textContent = "▶ Play";
            button.setAttribute("aria-pressed", "false");
        }
        function play() {
            if (+to.value - +from.value >= days) {
                set(+from.value, Math.min(days, +from.value + PLAY_WINDOW));
            }
            button.textContent = "❚❚ Pause";
            button.setAttribute("aria-pressed", "true");
            timer = setTimeout(tick, +speedSelect.value * 1000);
        }

        // A handle never passes the other: the window keeps its first day before its last.
        from.addEventListener("input", function () {
            if (+from.value > +to.value) { from.value = to.value; }
            apply();
        });
        to.addEventListener("input", function () {
            if (+to.value < +from.value) { to.value = from.value; }
            apply();
        });
        button.addEventListener("click", function () { if (timer) { pause(); } else { play(); } });
        speedSelect.addEventListener("change", function () {
            if (timer) { window.clearTimeout(timer); timer = setTimeout(tick, +speedSelect.value * 1000); }
        });
        // Another filter (or a layer whose data came later) changed what is shown.
        document.addEventListener("cm:applied", function () { count.textContent = counted(); });
        // The browser tests and `campaign-map snapshot` read and drive it.
        window.cmSlider = {from: from, to: to, apply: apply, advance: advance,
                           playing: function () { return !!timer; }};
        apply();
    };
}());
