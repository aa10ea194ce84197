// The page's one HTML escaper: every string that came from an article (titles, snippets,
// place names, basemap labels) goes through it before it reaches innerHTML. Backticks and
// "$" too, so that nothing can form a JavaScript template string if a string is ever
// pasted into one.
window.cmEsc = function (s) {
    return String(s == null ? "" : s).replace(/[&<>"'`$]/g, function (c) {
        return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
                "`": "&#96;", "$": "&#36;"}[c];
    });
};
