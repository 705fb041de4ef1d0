// crescu search: the header search box, loaded by crescu.js when the reader first goes to
// it (focus, pointer, or `/`). The index (search-index.js, built with the site)
// is loaded as a script on first use, not fetched, so search also works from file://.
// Every word of the query must match a word of the course: whole, as its start, or (three
// letters or more) inside it, as `refcount` in `getrefcount`. A match in a lesson title
// weighs most, then summary, heading and text; src/site/search.rs ranks the same way.
// The texts shown under results come from search-text-N.js scripts, loaded as needed.
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) return;
  // Interface text from crescu.js, which loads this script.
  var word = window.crescuWord;
  var input = form.querySelector("input");
  var box = form.querySelector("[data-search-results]");
  var root = document.body.getAttribute("data-root") || "";
  var index = null;
  var waiting = [];
  // Callbacks waiting for each text script, by its number.
  var textWaiting = {};
  var FIRST_RESULTS = 8;
  // Score of a match in the text, a heading, the summary and the title (Field in Rust).
  var FIELD_WEIGHTS = [1, 3, 6, 10];
  var STOP_WORDS = new Set(("a an and are as at be but by for from if in into is it its of on or " +
    "so that the their then there these this to was were will with").split(" "));
  var SNIPPET_CHARS = 150;

  var style = document.createElement("style");
  style.textContent =
    ".site-search{position:relative;margin-left:auto}" +
    ".site-search input{font:inherit;padding:.3em .6em;border:1px solid var(--border);border-radius:var(--radius);background:var(--surface);color:var(--text);width:12em}" +
    ".site-search-results{position:absolute;right:0;z-index:10;width:min(30em,92vw);max-height:75vh;overflow-y:auto;background:var(--surface);border:1px solid var(--border);border-radius:var(--radius);box-shadow:0 4px 16px rgba(0,0,0,.15)}" +
    ".site-search-results:empty{display:none}" +
    ".site-search-results ul{list-style:none;margin:0;padding:.3em}" +
    ".site-search-results a{display:block;padding:.4em .5em;border-radius:6px;color:var(--text);text-decoration:none}" +
    ".site-search-results a:hover,.site-search-results a:focus{background:var(--surface-2)}" +
    ".site-search-results small{display:block;color:var(--muted)}" +
    ".site-search-results mark{background:var(--mark-bg,#fde68a);color:inherit;border-radius:2px}" +
    ".site-search-results p{margin:.5em .8em;color:var(--muted)}" +
    ".site-search-results button{font:inherit;margin:.2em .8em .6em;padding:.3em .7em;border:1px solid var(--border);border-radius:var(--radius);background:var(--surface-2);color:var(--text);cursor:pointer}" +
    "@media (prefers-color-scheme:dark){.site-search-results mark{background:#854d0e}}";
  document.head.appendChild(style);
  input.setAttribute("aria-keyshortcuts", "/");
  form.hidden = false;

  function loadScript(name, onload, onerror) {
    var script = document.createElement("script");
    script.src = root + name;
    script.onload = onload;
    script.onerror = onerror;
    document.head.appendChild(script);
  }

  function withIndex(then) {
    if (index) return then();
    waiting.push(then);
    if (waiting.length > 1) return;
    loadScript("search-index.js", function () {
      index = window.CRESCU_SEARCH || { docs: [], terms: [], postings: [], shard: 1 };
      waiting.splice(0).forEach(function (f) { f(); });
    }, function () {
      waiting = [];
      box.textContent = "";
      var p = document.createElement("p");
      p.textContent = word("search_unavailable");
      box.appendChild(p);
    });
  }

  // Call `then` with the text of doc `d` once its script has loaded.
  function withText(d, then) {
    var n = Math.floor(d / index.shard);
    var loaded = function () { return (window.CRESCU_SEARCH_TEXT || {})[n]; };
    if (loaded()) return then(loaded()[d % index.shard]);
    var queue = textWaiting[n] || (textWaiting[n] = []);
    queue.push(function () { then((loaded() || [])[d % index.shard]); });
    if (queue.length > 1) return;
    var done = function () { delete textWaiting[n]; queue.forEach(function (f) { f(); }); };
    loadScript("search-text-" + n + ".js", done, done);
  }

  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  function queryWords(query) {
    return words(query).filter(function (w) { return w.length > 1 && !STOP_WORDS.has(w); });
  }

  // 4 when the term is the word, 3 when it starts with it, 2 when it holds it further in.
  function quality(term, word) {
    if (term === word) return 4;
    if (term.lastIndexOf(word, 0) === 0) return 3;
    if (word.length > 2 && term.indexOf(word, 1) > 0) return 2;
    return 0;
  }

  // Best score of each doc for one query word: prefix matches sit in one run of the
  // sorted terms; matches inside words need a pass over all terms.
  function wordScores(word) {
    var terms = index.terms, lo = 0, hi = terms.length, found = new Map();
    function take(i, q) {
      index.postings[i].forEach(function (p) {
        var d = p >> 2, s = FIELD_WEIGHTS[p & 3] * q;
        if (!(found.get(d) >= s)) found.set(d, s);
      });
    }
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (terms[mid] < word) lo = mid + 1; else hi = mid;
    }
    for (var i = lo; i < terms.length && terms[i].lastIndexOf(word, 0) === 0; i++) {
      take(i, quality(terms[i], word));
    }
    if (word.length > 2) {
      for (var j = 0; j < terms.length; j++) {
        if (terms[j].indexOf(word, 1) > 0) take(j, 2);
      }
    }
    return found;
  }

  function acronym(text) {
    var initials = words(text).filter(function (w) { return !STOP_WORDS.has(w); })
      .map(function (w) { return w[0]; }).filter(function (c) { return /\p{L}/u.test(c); });
    return initials.length >= 3 ? initials.join("") : "";
  }

  // Title words no query word starts with: of two titles matching alike, the one the
  // query says more of ranks first.
  function uncovered(title, qs) {
    var initials = acronym(title);
    if (initials && qs.indexOf(initials) >= 0) return 0;
    return words(title).filter(function (w) {
      return !STOP_WORDS.has(w) && !qs.some(function (q) { return w.lastIndexOf(q, 0) === 0; });
    }).length;
  }

  function search(qs) {
    var scores = null;
    qs.forEach(function (w) {
      var found = wordScores(w);
      if (!scores) { scores = found; return; }
      var both = new Map();
      scores.forEach(function (s, d) { if (found.has(d)) both.set(d, s + found.get(d)); });
      scores = both;
    });
    var ranked = [];
    scores.forEach(function (s, d) {
      ranked.push({ d: d, s: s, u: uncovered(index.docs[d][1], qs) });
    });
    return ranked
      .sort(function (a, b) { return b.s - a.s || a.u - b.u || a.d - b.d; })
      .map(function (r) { return r.d; });
  }

  // Append `text` to `parent` with every query word (where a word starts, or inside one
  // for three letters or more) wrapped in <mark>, or the initials when the query names
  // it by them. Text nodes only: nothing is parsed.
  function appendMarked(parent, text, qs) {
    var lower = text.toLowerCase(), at = 0;
    if (qs.indexOf(acronym(text)) >= 0) {
      text.split(/(\s+)/).forEach(function (w) {
        if (/^\p{L}/u.test(w) && !STOP_WORDS.has(w.toLowerCase())) {
          var initial = document.createElement("mark");
          initial.textContent = w[0];
          parent.appendChild(initial);
          w = w.slice(1);
        }
        parent.appendChild(document.createTextNode(w));
      });
      return;
    }
    while (at < text.length) {
      var hit = nextMatch(lower, qs, at);
      if (!hit) break;
      parent.appendChild(document.createTextNode(text.slice(at, hit[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(hit[0], hit[1]);
      parent.appendChild(mark);
      at = hit[1];
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  // The first [start, end) in `lower` from `from` where a query word matches.
  function nextMatch(lower, qs, from) {
    var best = null;
    qs.forEach(function (q) {
      var i = from - 1;
      while ((i = lower.indexOf(q, i + 1)) >= 0) {
        var atWordStart = i === 0 || !/[\p{L}\p{N}]/u.test(lower[i - 1]);
        if (atWordStart || q.length > 2) break;
      }
      if (i >= 0 && (!best || i < best[0])) best = [i, i + q.length];
    });
    return best;
  }

  // The part of a doc's text around its first match, with an ellipsis where it is cut.
  function snippet(text, qs) {
    if (text.length <= SNIPPET_CHARS) return text;
    var hit = nextMatch(text.toLowerCase(), qs, 0);
    var start = hit ? Math.max(0, hit[0] - 40) : 0;
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    var end = Math.min(text.length, start + SNIPPET_CHARS);
    var piece = text.slice(start, end);
    if (end < text.length) piece = piece.replace(/\s+\S*$/, "") + "\u2026";
    return (start > 0 ? "\u2026" : "") + piece;
  }

  function resultItem(d, qs) {
    var doc = index.docs[d];
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = root + doc[0];
    appendMarked(link, doc[2] ? doc[1] + " \u203a " + doc[2] : doc[1], qs);
    withText(d, function (text) {
      if (!text) return;
      var small = document.createElement("small");
      appendMarked(small, snippet(text, qs), qs);
      link.appendChild(small);
    });
    item.appendChild(link);
    return item;
  }

  function show() {
    var query = input.value.trim();
    box.textContent = "";
    var qs = queryWords(query);
    if (query.length < 2 || !qs.length) return;
    var results = search(qs);
    if (!results.length) {
      var none = document.createElement("p");
      none.setAttribute("role", "status");
      none.textContent = word("search_none", { query: query });
      box.appendChild(none);
      return;
    }
    var list = document.createElement("ul");
    var n = results.length;
    list.setAttribute("aria-label", word(n === 1 ? "search_results_one" : "search_results_other", { n: n, query: query }));
    results.slice(0, FIRST_RESULTS).forEach(function (d) {
      list.appendChild(resultItem(d, qs));
    });
    box.appendChild(list);
    if (results.length > FIRST_RESULTS) {
      var more = document.createElement("button");
      more.type = "button";
      more.setAttribute("data-search-all", "");
      more.textContent = word("search_show_all", { n: results.length });
      more.addEventListener("click", function () {
        var next = null;
        results.slice(FIRST_RESULTS).forEach(function (d) {
          var item = resultItem(d, qs);
          next = next || item;
          list.appendChild(item);
        });
        more.remove();
        next.querySelector("a").focus();
      });
      box.appendChild(more);
    }
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
    var links = Array.from(box.querySelectorAll("a, button"));
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

  // Loaded on the reader's first visit to the box (crescu.js): take up what was typed
  // before this script arrived.
  withIndex(function () {});
  if (input.value) withIndex(show);
})();
