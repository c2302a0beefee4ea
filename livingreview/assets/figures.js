// Draws the book's charts with plotly.js from the figure JSON each page embeds (no plotly.js inlined
// per chart). Loaded with `defer`, only on pages that have charts.
//
// Every chart is already on the page as a static SVG (livingreview.charts.svg, written at build
// time): the reader sees it at once, it prints, and its bars and cells link to their studies.
// plotly.js (a partial bundle of the trace types the charts use, built by plotly-bundle/ and
// served by the book) adds hover lists and the toolbar; it is about 400 KB, so it is downloaded
// only once the reader interacts with the page (a pointer moves, a finger touches, a key is
// pressed, the page scrolls), never as part of the first load (issue #17). Then each chart in
// view is drawn, one per task so the reader's input is handled between two charts, and later
// charts as they scroll into view; the static drawing is removed in the same task as plotly.js
// draws, in the box that already has the chart's height (book.css).
//
// Each chart's JSON (livingreview.charts.page_figure) is the figure for a wide box in the light
// theme plus, under "variants", the same chart for a phone's box ("phone", below
// phone_max_width), in the dark theme ("dark") and both ("phone+dark"): each a JSON merge patch
// (RFC 7396) of the figure, computed in Python from what the renderer draws for that case
// (livingreview.charts.plotly_figure). The one that applies is merged here, again whenever the
// reader switches theme or the box crosses the phone width. No style is decided here.
//
// A bar or cell that holds studies carries the studies page's query string for exactly those
// studies (customdata); selecting it opens that page. On a touch screen, where the first tap
// shows the hover text, the second tap on the same bar or cell opens it.
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var plotlyUrl = new URL("vendor/plotly-partial.min.js", here || window.location.href).href;
  var waiting = null;
  // What counts as the reader interacting: after any of these plotly.js is worth its download.
  // "scroll" is the page's own, listened for without capture: the theme scrolls its sidebar on
  // load, and a captured listener would take that for the reader.
  var INTERACTIONS = ["pointerdown", "pointermove", "touchstart", "keydown", "wheel", "scroll"];
  function listen(type, handler, add) {
    var options = type === "scroll" ? { passive: true } : { capture: true, passive: true };
    (add ? window.addEventListener : window.removeEventListener).call(window, type, handler, options);
  }

  function withPlotly(callback) {
    if (window.Plotly) { setTimeout(callback, 0); return; }
    if (waiting) { waiting.push(callback); return; }
    waiting = [callback];
    var script = document.createElement("script");
    script.src = plotlyUrl;
    // One waiting figure per task: the reader's input is handled between two charts.
    script.onload = function next() {
      var f = waiting.shift();
      if (!f) return;
      try { f(); } finally { if (waiting.length) setTimeout(next, 0); }
    };
    // Without plotly.js the static drawings stay: nothing to undo.
    script.onerror = function () { waiting = []; };
    document.head.appendChild(script);
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // `patch` merged into `base` as RFC 7396 says (livingreview.charts.plotly_figure.merge):
  // objects merge key by key, null removes a key, anything else (numbers, strings, arrays)
  // replaces what was there. Neither argument is changed.
  function merge(base, patch) {
    if (!isObject(patch)) return patch;
    var out = {};
    if (isObject(base)) Object.keys(base).forEach(function (key) { out[key] = base[key]; });
    Object.keys(patch).forEach(function (key) {
      if (patch[key] === null) delete out[key];
      else out[key] = merge(out[key], patch[key]);
    });
    return out;
  }

  function isDark() {
    return document.documentElement.getAttribute("data-theme") === "dark";
  }

  // The variant that applies to this holder now: "phone", "dark", "phone+dark" or "" (none).
  function variantFor(holder, spec) {
    var names = [];
    if (holder.clientWidth > 0 && holder.clientWidth < spec.phone_max_width) names.push("phone");
    if (isDark()) names.push("dark");
    return names.join("+");
  }

  function figureFor(spec, key) {
    // A fresh copy each time: plotly.js writes computed ranges back into what it is given.
    var data = JSON.parse(JSON.stringify(spec.data));
    var layout = JSON.parse(JSON.stringify(spec.layout));
    var variant = key && spec.variants[key];
    if (!variant) return { data: data, layout: layout };
    return {
      data: data.map(function (trace, i) { return merge(trace, variant.data[i]); }),
      layout: merge(layout, variant.layout)
    };
  }

  function render(holder) {
    var spec = holder.lrSpec;
    if (!spec) return;
    var key = variantFor(holder, spec);
    if (holder.lrVariant === key) return;
    var first = holder.lrVariant === undefined;
    holder.lrVariant = key;
    holder.setAttribute("data-lr-variant", key || "base");
    var figure = figureFor(spec, key);
    if (first) {
      holder.querySelectorAll("svg.lr-chart").forEach(function (drawn) { drawn.remove(); });
      var drawing = window.Plotly.newPlot(holder, figure.data, figure.layout, spec.config);
      // Marked in the same task as plotly.js drew it (holder.data is set): drawn, not asked for.
      holder.setAttribute("data-drawn", "1");
      drawing.then(function () { bind(holder); });
    } else {
      window.Plotly.react(holder, figure.data, figure.layout, spec.config);
    }
  }

  function bind(holder) {
    var spec = holder.lrSpec;
    var lastTap = null;
    var pointer = "mouse";
    var pressed = 0;
    // How the reader selects: a finger's first tap only shows what a bar holds.
    holder.addEventListener("pointerdown", function (event) { pointer = event.pointerType; pressed = Date.now(); }, true);
    holder.on("plotly_hover", function (event) {
      var point = event.points && event.points[0];
      holder.classList.toggle("lr-can-open", !!(point && point.customdata));
    });
    holder.on("plotly_unhover", function () { holder.classList.remove("lr-can-open"); });
    holder.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point || !point.customdata || !spec.studies_page) return;
      var id = point.curveNumber + ":" + String(point.pointNumber);
      if (pointer === "touch") {
        // After a tap the browser also sends the mouse events a mouse would have (plotly.js then
        // reports the same click again): one tap is one click.
        var compat = event.event && /^mouse/.test(event.event.type) && Date.now() - pressed < 1000;
        if (compat) return;
        if (lastTap !== id) { lastTap = id; return; }
      }
      window.location.href = new URL(spec.studies_page + point.customdata, window.location.href).href;
    });
  }

  function draw(holder) {
    if (holder.lrRequested) return;
    holder.lrRequested = true;
    withPlotly(function () {
      var data = document.getElementById(holder.getAttribute("data-spec"));
      if (!data) return;
      holder.lrSpec = JSON.parse(data.textContent);
      render(holder);
    });
  }

  function drawAll() {
    var holders = document.querySelectorAll(".lr-figure[data-spec]");
    // The reader switched theme: every drawn figure takes the other variant.
    new MutationObserver(function () { holders.forEach(render); }).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"]
    });
    if (window.ResizeObserver) {
      var resized = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { render(entry.target); });
      });
      holders.forEach(function (holder) { resized.observe(holder); });
    }
    var interacted = false;
    var inView = new Set();
    function interact() {
      if (interacted) return;
      interacted = true;
      INTERACTIONS.forEach(function (type) { listen(type, interact, false); });
      if (!("IntersectionObserver" in window)) { holders.forEach(draw); return; }
      inView.forEach(draw);
    }
    INTERACTIONS.forEach(function (type) { listen(type, interact, true); });
    if (!("IntersectionObserver" in window)) return;
    var near = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) { inView.delete(entry.target); return; }
        if (interacted) { near.unobserve(entry.target); draw(entry.target); } else inView.add(entry.target);
      });
    }, { rootMargin: "200px 0px" });
    holders.forEach(function (holder) { near.observe(holder); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
