// crescu search: the header search box. The index (search-index.js, built with the site)
// is loaded as a script on first use, not fetched, so search also works from file://.
// Words of the query match words of the course by prefix; every word must match.
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) return;
  var input = form.querySelector("input");
  var box = form.querySelector("[data-search-results]");
  var root = document.body.getAttribute("data-root") || "";
  var index = null;
  var waiting = [];
  var MAX_RESULTS = 8;

  var style = document.createElement("style");
  style.textContent =
    ".site-search{position:relative;margin-left:auto}" +
    ".site-search input{font:inherit;padding:.3em .6em;border:1px solid var(--border);border-radius:var(--radius);background:var(--surface);color:var(--text);width:12em}" +
    ".site-search-results{position:absolute;right:0;z-index:10;width:min(26em,90vw);background:var(--surface);border:1px solid var(--border);border-radius:var(--radius);box-shadow:0 4px 16px rgba(0,0,0,.15)}" +
    ".site-search-results:empty{display:none}" +
    ".site-search-results ul{list-style:none;margin:0;padding:.3em}" +
    ".site-search-results a{display:block;padding:.4em .5em;border-radius:6px;color:var(--text);text-decoration:none}" +
    ".site-search-results a:hover,.site-search-results a:focus{background:var(--surface-2)}" +
    ".site-search-results small{display:block;color:var(--muted)}" +
    ".site-search-results p{margin:.5em .8em;color:var(--muted)}";
  document.head.appendChild(style);
  form.hidden = false;

  function withIndex(then) {
    if (index) return then();
    waiting.push(then);
    if (waiting.length > 1) return;
    var script = document.createElement("script");
    script.src = root + "search-index.js";
    script.onload = function () {
      index = window.CRESCU_SEARCH || { docs: [], terms: [], postings: [] };
      waiting.splice(0).forEach(function (f) { f(); });
    };
    script.onerror = function () {
      waiting = [];
      box.innerHTML = "<p>Search is not available.</p>";
    };
    document.head.appendChild(script);
  }

  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  // Docs holding a term that starts with `prefix`: binary search, then walk the run.
  function docsWithPrefix(prefix) {
    var terms = index.terms, lo = 0, hi = terms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (terms[mid] < prefix) lo = mid + 1; else hi = mid;
    }
    var found = new Set();
    for (var i = lo; i < terms.length && terms[i].lastIndexOf(prefix, 0) === 0; i++) {
      index.postings[i].forEach(function (d) { found.add(d); });
    }
    return found;
  }

  function search(query) {
    var qs = words(query);
    if (!qs.length) return [];
    var hits = null;
    qs.forEach(function (w) {
      var docs = docsWithPrefix(w);
      hits = hits ? new Set(Array.from(hits).filter(function (d) { return docs.has(d); })) : docs;
    });
    // Matches in a lesson title weigh most, then in a heading, then in the text.
    function score(d) {
      var doc = index.docs[d], s = 0;
      var title = words(doc[1]), heading = words(doc[2]);
      qs.forEach(function (w) {
        var starts = function (t) { return t.lastIndexOf(w, 0) === 0; };
        if (title.some(starts)) s += 4;
        if (heading.some(starts)) s += 2;
      });
      return s;
    }
    return Array.from(hits)
      .map(function (d) { return { d: d, s: score(d) }; })
      .sort(function (a, b) { return b.s - a.s || a.d - b.d; })
      .slice(0, MAX_RESULTS)
      .map(function (r) { return index.docs[r.d]; });
  }

  function show() {
    var query = input.value.trim();
    box.textContent = "";
    if (query.length < 2) return;
    var results = search(query);
    if (!results.length) {
      var none = document.createElement("p");
      none.setAttribute("role", "status");
      none.textContent = "No results for \u201c" + query + "\u201d";
      box.appendChild(none);
      return;
    }
    var list = document.createElement("ul");
    list.setAttribute("aria-label", results.length + " results");
    results.forEach(function (doc) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + doc[0];
      link.textContent = doc[2] ? doc[1] + " \u203a " + doc[2] : doc[1];
      if (doc[3]) {
        var excerpt = document.createElement("small");
        excerpt.textContent = doc[3];
        link.appendChild(excerpt);
      }
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  var timer = 0;
  input.addEventListener("focus", function () { withIndex(function () {}); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { withIndex(show); }, 60);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = box.querySelector("a");
    if (first) first.click();
  });
  form.addEventListener("keydown", function (event) {
    var links = Array.from(box.querySelectorAll("a"));
    var at = links.indexOf(document.activeElement);
    if (event.key === "Escape") {
      input.value = "";
      box.textContent = "";
      input.focus();
    } else if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      if (at === 0) input.focus(); else links[at - 1].focus();
    }
  });
})();
