// Explorable charts: the controls show one of the baked variants; bars, segments and
// points name their values in a tooltip on hover (at the pointer) and keyboard focus.
(function () {
  document.querySelectorAll(".chart[data-explore]").forEach(function (fig) {
    var box = fig.querySelector(".chart-controls"), axes = box.querySelectorAll("[data-n]");
    box.hidden = false;
    box.addEventListener("input", function () {
      var k = 0, was, now;
      axes.forEach(function (a) {
        var range = a.type == "range", i = +(range ? a.value : (a.querySelector(":checked") || a).value || 0);
        k = k * a.dataset.n + i;
        if (range) { var t = a.dataset.v.split("|")[i]; a.nextElementSibling.textContent = t; a.setAttribute("aria-valuetext", t); }
      });
      fig.querySelectorAll(".chart-variant").forEach(function (v, j) {
        if (!v.hidden) was = v;
        v.hidden = j != k;
        if (j == k) now = v;
      });
      if (was == now) return;
      now.querySelector("details").open = was.querySelector("details").open;
      fig.querySelector(".chart-live").textContent = window.crescuWord("chart_shown",
        { values: chosen(axes), result: now.querySelector(".chart-result").textContent });
    });
  });
  // The controls' values in words, as "Label value, Label value".
  function chosen(axes) {
    return Array.from(axes, function (a) {
      var range = a.type == "range", label = range ? a.previousElementSibling : a.querySelector("legend");
      var value = range ? a.nextElementSibling : (a.querySelector(":checked") || a).closest("label");
      return (label ? label.textContent : "") + " " + (value ? value.textContent : "");
    }).join(", ");
  }
  var tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.hidden = true;
  document.body.appendChild(tip);
  function show(e) {
    var el = e.target.closest && e.target.closest(".chart svg [aria-label]");
    if (!el) return;
    var r = el.getBoundingClientRect();
    tip.textContent = el.getAttribute("aria-label");
    tip.style.left = (e.type == "mouseover" ? e.clientX : r.left + r.width / 2) + scrollX + "px";
    tip.style.top = r.top + scrollY + "px";
    tip.hidden = false;
  }
  function hide() { tip.hidden = true; }
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
  document.addEventListener("mouseout", hide);
  document.addEventListener("focusout", hide);
  document.addEventListener("keydown", function (e) { if (e.key == "Escape") hide(); });
})();
