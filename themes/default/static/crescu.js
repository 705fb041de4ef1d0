// crescu: the interactive layer of a course page (exercises, progress, timer, locks).
// Pages are complete without it; this file only adds behaviour. No framework, no request.
//
// Reporting hook: each Check that grades an answer dispatches a bubbling CustomEvent
// "crescu:attempt" on the exercise element, with
//   detail = { lesson: "module/lesson", exercise: "id", correct: true|false,
//              xp: XP awarded by this attempt (0 when wrong or already earned) }
// e.g. document.addEventListener("crescu:attempt", e => report(e.detail));
//
// Storage (localStorage, scoped by <body data-storage-key>, "K" below):
//   K:progress  {"format":"crescu-progress","version":1,"course":K,
//                "lessons":{"module/lesson":{"solved":{"exercise-id":xp},"unlocked":true}}}
//   K:timer     {"end":epoch-ms} while running, {"left":ms} while paused
// Export downloads K:progress as JSON; Import accepts only such a file for the same K.
// Ids and other keys from data are looked up with `has` only: a plain `in` or `o[k]`
// would find `constructor`, `toString`, ... on every object.
"use strict";
(() => {
  var body = document.body;
  var KEY = body.dataset.storageKey || "crescu";
  var PKEY = KEY + ":progress", TKEY = KEY + ":timer";
  var FORMAT = "crescu-progress", VERSION = 1;
  // Values localStorage refused (unavailable, or full): kept for the visit, and each
  // later write tries localStorage again.
  var memory = new Map();
  var NOSTORE = "This browser does not let the page store progress: it will be lost when you leave.";

  // --- LMS hook (SCORM builds; see static/scorm.js). Progress is read through the event
  // crescu:progress-load (a listener may put the stored JSON in detail.json) and every
  // write is announced by crescu:progress-saved (detail.json). No listener: no change.
  function lmsProgress() {
    var d = { json: undefined };
    document.dispatchEvent(new CustomEvent("crescu:progress-load", { detail: d }));
    return d.json;
  }
  function lmsSaved(v) { document.dispatchEvent(new CustomEvent("crescu:progress-saved", { detail: { json: v } })); }
  // --- end of LMS hook
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }
  function get(k) {
    var lms = k === PKEY ? lmsProgress() : undefined; // LMS hook
    if (lms !== undefined) return lms;
    if (memory.has(k)) return memory.get(k);
    try { return localStorage.getItem(k); } catch (e) { return null; }
  }
  // Returns whether localStorage took the value.
  function store(k, v) {
    if (k === PKEY) lmsSaved(v); // LMS hook
    try { if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, v); }
    catch (e) { return false; }
    memory.delete(k);
    return true;
  }
  function set(k, v) {
    if (store(k, v)) return true;
    memory.set(k, v);
    return false;
  }
  function readJson(k) { try { return JSON.parse(get(k)); } catch (e) { return null; } }
  function plural(n, w) { return n + " " + w + (n === 1 ? "" : "s"); }
  function isObj(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }
  function has(o, k) { return Object.hasOwn(o, k); }

  // Returns the progress object when `d` is a well-formed progress file of this course,
  // else a message saying why not.
  function validate(d) {
    if (!isObj(d) || d.format !== FORMAT) return "this is not a crescu progress file";
    if (d.version !== VERSION) return "this progress file has an unknown version";
    if (d.course !== KEY) return "this progress file belongs to another course";
    if (!isObj(d.lessons)) return "the file has no lessons";
    for (var [l, p] of Object.entries(d.lessons)) {
      if (!isObj(p) || !isObj(p.solved) || [p.visited, p.unlocked].some(b => b !== undefined && typeof b !== "boolean"))
        return "lesson " + l + " is malformed";
      for (var [x, xp] of Object.entries(p.solved)) {
        if (typeof xp !== "number" || !(xp >= 0) || xp > 1e6 || Math.floor(xp) !== xp)
          return "exercise " + x + " has a bad XP value";
      }
    }
    return d;
  }
  function load() {
    var d = readJson(PKEY);
    return d && typeof validate(d) !== "string" ? d : { format: FORMAT, version: VERSION, course: KEY, lessons: {} };
  }
  var progress = load();
  function save() {
    if (!set(PKEY, JSON.stringify(progress))) status(NOSTORE, true);
    else if (text($(".banner-status")) === NOSTORE) status("Your progress is stored again.");
  }
  function lessonProgress(key, create) {
    var ls = progress.lessons, p = has(ls, key) ? ls[key] : null;
    if (!p && create) p = ls[key] = { solved: {} };
    return p || { solved: {} };
  }
  function stats(key) {
    var xps = Object.values(lessonProgress(key).solved);
    return { solved: xps.length, xp: xps.reduce((a, b) => a + b, 0) };
  }

  // Exercises
  var article = $("article.lesson[data-lesson]");
  var lesson = article ? article.dataset.lesson : null;

  function norm(s, cs) { s = String(s).trim().replace(/\s+/g, " "); return cs ? s : s.toLowerCase(); }
  function text(el) { return el ? el.textContent.trim() : ""; }
  function para(html, cls) { return "<p" + (cls ? ' class="' + cls + '"' : "") + ">" + html + "</p>"; }

  function grade(ex) {
    var ans = JSON.parse(ex.dataset.answer || "{}");
    var kind = ex.dataset.kind;
    var out = { ok: false, notes: [], empty: false };
    if (kind === "fill_blank") {
      var inputs = $$("input.blank", ex);
      out.ok = true;
      inputs.forEach((input, i) => {
        var v = norm(input.value, ans.case_sensitive);
        var good = (ans.blanks[i] || []).some(a => norm(a, ans.case_sensitive) === v);
        if (!good) out.ok = false;
        input.classList.add(good ? "is-correct" : "is-wrong");
        input.setAttribute("aria-invalid", good ? "false" : "true");
      });
      out.empty = inputs.every(i => !i.value.trim());
      var wrong = inputs.filter(i => i.classList.contains("is-wrong")).length;
      if (!out.ok) out.notes.push(wrong === inputs.length ? "No blank is right yet." : plural(wrong, "blank") + " of " + inputs.length + " still wrong (marked).");
      return out;
    }
    var picked = $$("input[name=choice]", ex).filter(i => i.checked);
    if (!picked.length) { out.empty = true; return out; }
    if (kind === "true_false") {
      out.ok = (picked[0].value === "true") === ans.answer;
      picked[0].closest(".choice").classList.add(out.ok ? "is-correct" : "is-wrong");
      return out;
    }
    var correct = ans.correct || [], multi = correct.length > 1 || !!$("input[type=checkbox]", ex);
    var right = 0, wrongPicks = 0, missed = 0;
    $$(".choice", ex).forEach(label => {
      var input = $("input", label), i = Number(input.value);
      var should = correct.indexOf(i) >= 0;
      if (input.checked && should) { right++; label.classList.add("is-correct"); }
      else if (input.checked) {
        wrongPicks++; label.classList.add("is-wrong");
        var why = $(".why", label);
        if (why) { why.hidden = false; out.notes.push("<em>" + $("span", label).innerHTML + "</em>: " + why.innerHTML); }
      } else if (should && multi) missed++;
    });
    out.ok = right === correct.length && wrongPicks === 0;
    if (multi && !out.ok) {
      $$(".choice", ex).forEach(label => {
        var input = $("input", label);
        if (!input.checked && correct.indexOf(Number(input.value)) >= 0) label.classList.add("is-missed");
      });
      out.notes.push(right + " of " + correct.length + " right " + (correct.length === 1 ? "choice" : "choices") + " picked" +
        (missed ? ", " + missed + " missed" : "") + (wrongPicks ? ", " + wrongPicks + " wrong" : "") + " (marked above).");
    }
    return out;
  }

  function clearMarks(ex) {
    $$(".is-correct, .is-wrong, .is-missed", ex).forEach(el => { el.classList.remove("is-correct", "is-wrong", "is-missed"); });
    $$(".why", ex).forEach(w => { w.hidden = true; });
    $$("[aria-invalid]", ex).forEach(el => { el.removeAttribute("aria-invalid"); });
  }

  function check(ex) {
    var id = ex.dataset.exercise, xp = Number(ex.dataset.xp) || 0;
    var fb = $(".feedback", ex);
    clearMarks(ex);
    var r = grade(ex);
    if (r.empty) {
      clearMarks(ex);
      fb.className = "feedback is-hint";
      fb.innerHTML = para(ex.dataset.kind === "fill_blank" ? "Fill in the blanks first." : "Choose an answer first.");
      fb.focus();
      return;
    }
    var solved = lessonProgress(lesson, true).solved, award = 0, first = r.ok && !has(solved, id);
    if (first) { solved[id] = award = xp; save(); }
    var html;
    if (r.ok) {
      var exp = $(".explanation", ex);
      html = para("<strong>Correct!</strong> " + (first ? (award ? "+" + award + " XP" : "") : "XP already earned for this exercise."));
      if (exp) html += para(exp.innerHTML);
    } else {
      html = para("<strong>Not quite.</strong> Change your answer and check again.") +
        r.notes.map(n => para(n)).join("");
    }
    fb.className = "feedback " + (r.ok ? "is-correct" : "is-wrong");
    fb.innerHTML = html;
    var details = $("details.answer", ex);
    if (details) details.hidden = false;
    $("[data-action=retry]", ex).hidden = false;
    fb.focus();
    ex.dispatchEvent(new CustomEvent("crescu:attempt", {
      bubbles: true, detail: { lesson: lesson, exercise: id, correct: r.ok, xp: award }
    }));
    render();
  }

  function retry(ex) {
    clearMarks(ex);
    $("form", ex).reset();
    var fb = $(".feedback", ex);
    fb.innerHTML = ""; fb.className = "feedback";
    $("[data-action=retry]", ex).hidden = true;
    var first = $("input", ex);
    if (first) first.focus();
  }

  $$(".exercise[data-exercise]").forEach(ex => {
    var form = $("form", ex);
    var details = $("details.answer", ex);
    if (details) details.hidden = true; // offered after the first try, so learners try first
    form.addEventListener("submit", e => { e.preventDefault(); check(ex); });
    form.addEventListener("keydown", e => {
      // Enter submits from radios and checkboxes too (text inputs do so natively).
      if (e.key === "Enter" && e.target.matches("input[type=radio], input[type=checkbox]")) {
        e.preventDefault(); check(ex);
      }
    });
    var again = $("[data-action=retry]", ex);
    if (again) again.addEventListener("click", () => { retry(ex); });
  });

  // Rendering progress everywhere on the page
  function render() {
    progress = load();
    if (lesson) {
      // Counts only exercises on this page, in case the lesson changed since they were solved.
      var solved = lessonProgress(lesson).solved, st = { solved: 0, xp: 0 };
      $$(".exercise[data-exercise]").forEach(ex => {
        var done = has(solved, ex.dataset.exercise);
        if (done) { st.solved++; st.xp += solved[ex.dataset.exercise]; }
        ex.classList.toggle("is-solved", done);
        var badge = $("[data-exercise-status]", ex);
        if (badge) badge.textContent = done ? "Solved" : "";
        var d = $("details.answer", ex);
        if (d && done) d.hidden = false;
      });
      $$("[data-earned]").forEach(el => { el.textContent = st.xp; });
      var lxp = Number(article.dataset.xp) || 0;
      $$("[data-lesson-xp]").forEach(el => { el.style.setProperty("--done", (lxp ? 100 * Math.min(st.xp, lxp) / lxp : 0) + "%"); });
      var gd = $(".go-deeper[data-locked-until]");
      if (gd) {
        var need = Number(gd.dataset.lockedUntil) || 0;
        var locked = st.solved < need && !lessonProgress(lesson).unlocked;
        var reason = $(".lock-reason", gd), list = $(".go-deeper-list", gd);
        var hadFocus = reason && reason.contains(document.activeElement);
        gd.classList.toggle("is-locked", locked);
        if (reason) reason.hidden = !locked;
        if (list) list.inert = locked;
        var left = $("[data-lock-left]", gd);
        if (left) left.textContent = st.solved ? " (" + st.solved + " of " + need + " solved)" : "";
        if (!locked && hadFocus) { var a = $("a", list); (a || gd).focus(); }
      }
    }
    var total = 0, earned = 0;
    $$(".lesson-card[data-lesson]").forEach(card => {
      var key = card.dataset.lesson, st = stats(key);
      var n = Number(card.dataset.exercises) || 0, xp = Number(card.dataset.xp) || 0;
      var p = has(progress.lessons, key) && progress.lessons[key];
      var done = n ? st.solved >= n : !!(p && p.visited);
      total += xp; earned += Math.min(st.xp, xp);
      card.classList.toggle("is-complete", done);
      card.style.setProperty("--done", (n ? 100 * Math.min(st.solved, n) / n : done ? 100 : 0) + "%");
      var out = $("[data-progress-for]", card);
      if (!out) return;
      out.textContent = "";
      if (!p) return;
      out.appendChild(document.createTextNode(
        (done ? "\u2713 Complete" : st.solved + " / " + n + " solved") + (n ? ", " + st.xp + " XP earned" : "") + " "));
      var b = document.createElement("button");
      b.type = "button"; b.className = "reset-lesson"; b.textContent = "Reset";
      b.setAttribute("aria-label", "Reset progress of " + text($(".lesson-title", card)));
      b.addEventListener("click", () => {
        if (!window.confirm("Reset your progress in \u201c" + text($(".lesson-title", card)) + "\u201d?")) return;
        delete progress.lessons[key]; save(); render();
        var link = $("a", card); if (link) link.focus();
      });
      out.appendChild(b);
    });
    var cx = $("[data-course-xp]");
    if (cx) cx.style.setProperty("--done", (total ? 100 * earned / total : 0) + "%");
    if (cx) cx.textContent = earned + " / " + (Number(cx.dataset.total) || total) + " XP earned";
  }

  function unlockButton(b) {
    b.addEventListener("click", () => {
      lessonProgress(lesson, true).unlocked = true; save(); render();
    });
  }
  $$(".go-deeper [data-action=unlock]").forEach(unlockButton);

  // Guest banner: export, import, reset
  function status(msg, bad) {
    $$(".banner-status").forEach(s => { s.textContent = msg; s.classList.toggle("is-bad", !!bad); });
  }
  function totals() {
    var n = 0, xp = 0;
    Object.keys(progress.lessons).forEach(k => { var s = stats(k); n += s.solved; xp += s.xp; });
    return plural(n, "exercise") + " solved, " + xp + " XP";
  }
  $$("[data-action=export]").forEach(b => {
    b.addEventListener("click", () => {
      progress = load();
      var data = JSON.stringify({ format: FORMAT, version: VERSION, course: KEY, exported: new Date().toISOString(), lessons: progress.lessons }, null, 2);
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([data], { type: "application/json" }));
      a.download = KEY.replace(/[^a-z0-9-]+/gi, "-").replace(/^-|-$/g, "") + "-progress.json";
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => { URL.revokeObjectURL(a.href); }, 60000);
      status("Exported " + totals() + ".");
    });
  });
  $$("input[data-action=import]").forEach(input => {
    input.addEventListener("change", () => {
      var f = input.files && input.files[0];
      if (!f) return;
      var reader = new FileReader();
      reader.onload = () => {
        var d;
        try { d = JSON.parse(reader.result); } catch (e) { d = null; }
        var r = d === null ? "it is not valid JSON" : validate(d);
        input.value = "";
        if (typeof r === "string") { status("Import refused: " + r + ". Nothing was changed.", true); return; }
        progress = load();
        var had = totals();
        if (!/^0 /.test(had) && !window.confirm("Replace your progress here (" + had + ") with the file's?")) {
          status("Import cancelled. Nothing was changed."); return;
        }
        // Stored first and shown from storage, so a file the browser refuses changes nothing.
        if (!store(PKEY, JSON.stringify({ format: FORMAT, version: VERSION, course: KEY, lessons: r.lessons }))) {
          status("Import failed: this browser could not store the file's progress (its storage is full or turned off). Nothing was changed.", true);
          return;
        }
        render();
        status("Imported " + totals() + ".");
      };
      reader.onerror = () => { status("Import failed: the file could not be read. Nothing was changed.", true); };
      reader.readAsText(f);
    });
  });
  $$("[data-action=reset-course]").forEach(b => {
    b.addEventListener("click", () => {
      if (!window.confirm("Reset all your progress and XP in this course? This cannot be undone.")) return;
      progress.lessons = {}; save(); render();
      $$(".exercise[data-exercise]").forEach(retry);
      b.focus();
      status("All progress was reset.");
    });
  });

  // Focus timer
  var timer = $(".focus-timer[data-focus-minutes]");
  if (timer) {
    var minutes = Number(timer.dataset.focusMinutes) || 25;
    var display = $("[data-timer-display]", timer), live = $(".timer-status", timer);
    var btn = n => $("[data-timer=" + n + "]", timer);
    var title = document.title, tick = null;
    var fmt = ms => {
      var s = Math.max(0, Math.ceil(ms / 1000));
      return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    };
    var state = () => { var t = readJson(TKEY); return isObj(t) ? t : {}; };
    var show = () => {
      var t = state(), running = typeof t.end === "number";
      var left = running ? t.end - Date.now() : typeof t.left === "number" ? t.left : minutes * 60000;
      if (running && left <= 0) {
        set(TKEY, null);
        live.textContent = "Focus time is over. Take a short break.";
        document.title = "\u23F0 Time is up \u2013 " + title;
        timer.classList.add("is-done");
        left = 0; running = false;
      }
      display.textContent = fmt(left);
      timer.classList.toggle("is-running", running);
      var focused = document.activeElement;
      btn("start").disabled = running;
      btn("pause").disabled = !running;
      btn("start").textContent = typeof t.left === "number" ? "Resume" : "Start";
      if (focused && focused.disabled) (running ? btn("pause") : btn("start")).focus();
      if (running && !tick) tick = setInterval(show, 250);
      if (!running) { clearInterval(tick); tick = null; }
    };
    timer.addEventListener("click", e => {
      var b = e.target.closest && e.target.closest("[data-timer]"), what = b && b.dataset.timer;
      if (!what) return;
      var t = state();
      live.textContent = "";
      document.title = title;
      timer.classList.remove("is-done");
      if (what === "start" && typeof t.end !== "number")
        set(TKEY, JSON.stringify({ end: Date.now() + (typeof t.left === "number" ? t.left : minutes * 60000) }));
      else if (what === "pause" && typeof t.end === "number")
        set(TKEY, JSON.stringify({ left: Math.max(0, t.end - Date.now()) }));
      else if (what === "reset") set(TKEY, null);
      show();
    });
    show();
    window.addEventListener("storage", e => { if (e.key === TKEY) show(); });
  }

  // Start
  // Code blocks and tables that scroll sideways take keyboard focus, so they can be scrolled.
  function scrollers() {
    $$("pre, .prose table, figure.chart").forEach(el => {
      if (el.scrollWidth > el.clientWidth + 1) el.tabIndex = 0;
      else el.removeAttribute("tabindex");
    });
  }
  scrollers();
  window.addEventListener("resize", scrollers);
  $$("[data-needs-js]").forEach(el => { if (!el.classList.contains("lock-reason")) el.hidden = false; });
  $$("[data-action=retry], [data-no-js]").forEach(b => { b.hidden = true; });
  render();
  try { localStorage.length; } catch (e) { status(NOSTORE, true); }
  if (lesson && !lessonProgress(lesson).visited) { lessonProgress(lesson, true).visited = true; save(); render(); }
  window.addEventListener("storage", e => { if (e.key === PKEY || e.key === null) render(); });
})();
