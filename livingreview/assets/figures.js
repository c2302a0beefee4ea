// Draws the book's Plotly figures from the JSON each page embeds (no plotly.js inlined per figure).
// Loaded with `defer`, only on pages that have figures. plotly.js itself (the official cartesian
// bundle, served by the book) is fetched only when the first figure comes near the viewport, so
// it never delays the text of the page.
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var plotlyUrl = new URL("vendor/plotly-cartesian.min.js", here || window.location.href).href;
  var fallbackConfig = { responsive: true, displaylogo: false };
  var waiting = null;

  function withPlotly(callback) {
    if (window.Plotly) { callback(); return; }
    if (waiting) { waiting.push(callback); return; }
    waiting = [callback];
    var script = document.createElement("script");
    script.src = plotlyUrl;
    script.onload = function () { var queue = waiting; waiting = []; queue.forEach(function (f) { f(); }); };
    script.onerror = function () {
      document.querySelectorAll(".lr-figure[data-spec]").forEach(function (holder) {
        holder.textContent = "The interactive chart could not be loaded; its caption below states what it shows.";
      });
    };
    document.head.appendChild(script);
  }

  function draw(holder) {
    if (holder.getAttribute("data-drawn")) return;
    holder.setAttribute("data-drawn", "1");
    withPlotly(function () {
      var data = document.getElementById(holder.getAttribute("data-spec"));
      if (!data) return;
      var spec = JSON.parse(data.textContent);
      window.Plotly.newPlot(holder, spec.data, spec.layout, spec.config || fallbackConfig);
    });
  }

  function drawAll() {
    var holders = document.querySelectorAll(".lr-figure[data-spec]");
    window.addEventListener("beforeprint", function () { holders.forEach(draw); });
    if (!("IntersectionObserver" in window)) { holders.forEach(draw); return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
      });
    }, { rootMargin: "600px 0px" });
    holders.forEach(function (holder) { observer.observe(holder); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
