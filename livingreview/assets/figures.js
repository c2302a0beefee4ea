// Draws the book's Plotly figures from the JSON each page embeds (no plotly.js inlined per figure).
// Loaded with `defer` after plotly.min.js, only on pages that have figures.
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  function draw(holder) {
    var data = document.getElementById(holder.getAttribute("data-spec"));
    if (!data || holder.getAttribute("data-drawn")) return;
    var spec = JSON.parse(data.textContent);
    holder.setAttribute("data-drawn", "1");
    Plotly.newPlot(holder, spec.data, spec.layout, spec.config || config);
  }
  function drawAll() {
    var holders = document.querySelectorAll(".lr-figure[data-spec]");
    if (!("IntersectionObserver" in window)) { holders.forEach(draw); return; }
    // Figures below the fold are drawn when they come near the viewport: a faster first paint.
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
      });
    }, { rootMargin: "400px 0px" });
    holders.forEach(function (holder) { observer.observe(holder); });
    window.addEventListener("beforeprint", function () { holders.forEach(draw); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
