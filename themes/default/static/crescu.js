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
//   K:progress  {"format":"crescu-progress","version":2,"course":K,"last":"module/lesson",
//                "lessons":{"module/lesson":{"solved":{"exercise-id":xp},"unlocked":true,
//                  "visited":true,"attempts":{"exercise-id":[[epoch-ms,1 right|0 wrong],...]}}}}
//                Version 1 (no "last", no "attempts") is migrated on load and on import:
//                each solved exercise gets one right attempt dated at the migration.
//   K:timer     {"end":epoch-ms} while running, {"left":ms} while paused
//   K:nav       {"closed":true} when the learner hid the syllabus on a wide screen
// Export downloads K:progress as JSON; Import accepts only such a file for the same K.
// syllabus.js (loaded before this file) sets window.CRESCU_SYLLABUS: every module and
// lesson in order, for ticks, counts, "Continue", the completion moment and review.
// Ids and other keys from data are looked up with `has` only: a plain `in` or `o[k]`
// would find `constructor`, `toString`, ... on every object.
"use strict";
(() => {
  var body = document.body;
  var KEY = body.dataset.storageKey || "crescu";
  var PKEY = KEY + ":progress", TKEY = KEY + ":timer", NKEY = KEY + ":nav";
  var FORMAT = "crescu-progress", VERSION = 2, MAX_ATTEMPTS = 20;
  var ROOT = body.dataset.root || "";
  // Interface text in the course's language: the page's #crescu-strings JSON, read once.
  var STRINGS = (() => {
    var el = document.getElementById("crescu-strings");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();
  // The scripts this one loads (search, charts, video, review) take their text from here.
  window.crescuWord = word;
  // Values localStorage refused (unavailable, or full): kept for the visit, and each
  // later write tries localStorage again.
  var memory = new Map();
  var NOSTORE = word("no_storage");

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
  function isObj(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }
  function has(o, k) { return Object.hasOwn(o, k); }

  // Returns the progress object when `d` is a well-formed progress file of this course,
  // else a message saying why not.
  // Version 1 -> 2: the same lessons, each solved exercise with one right attempt dated
  // now, so review can schedule it; nothing earned is lost.
  function migrate(d) {
    if (!isObj(d) || d.format !== FORMAT || d.version !== 1 || !isObj(d.lessons)) return d;
    var now = Date.now(), lessons = {};
    for (var [l, p] of Object.entries(d.lessons)) {
      lessons[l] = p;
      if (isObj(p) && isObj(p.solved)) {
        var attempts = {};
        Object.keys(p.solved).forEach(x => { attempts[x] = [[now, 1]]; });
        lessons[l] = Object.assign({}, p, { attempts: attempts });
      }
    }
    return { format: FORMAT, version: VERSION, course: d.course, lessons: lessons };
  }
  function badAttempts(a) {
    return !isObj(a) || Object.values(a).some(list => !Array.isArray(list) || list.length > 1000 ||
      list.some(t => !Array.isArray(t) || typeof t[0] !== "number" || !isFinite(t[0]) || (t[1] !== 0 && t[1] !== 1)));
  }
  function validate(d) {
    d = migrate(d);
    if (!isObj(d) || d.format !== FORMAT) return word("bad_format");
    if (d.version !== VERSION) return word("bad_version");
    if (d.course !== KEY) return word("bad_course");
    if (!isObj(d.lessons)) return word("bad_no_lessons");
    if (d.last !== undefined && typeof d.last !== "string") return word("bad_last");
    for (var [l, p] of Object.entries(d.lessons)) {
      if (!isObj(p) || !isObj(p.solved) || [p.visited, p.unlocked].some(b => b !== undefined && typeof b !== "boolean") ||
          (p.attempts !== undefined && badAttempts(p.attempts)))
        return word("bad_lesson", { lesson: l });
      for (var [x, xp] of Object.entries(p.solved)) {
        if (typeof xp !== "number" || !(xp >= 0) || xp > 1e6 || Math.floor(xp) !== xp)
          return word("bad_xp", { exercise: x });
      }
    }
    return d;
  }
  function fresh() { return { format: FORMAT, version: VERSION, course: KEY, lessons: {} }; }
  function load() {
    var raw = readJson(PKEY), d = raw && validate(raw);
    if (!d || typeof d === "string") return fresh();
    if (raw.version !== VERSION) set(PKEY, JSON.stringify(d)); // keep the migrated form
    return d;
  }
  var progress = load();
  function save() {
    if (!set(PKEY, JSON.stringify(progress))) status(NOSTORE, true);
    else if (text($(".banner-status")) === NOSTORE) status(word("stored_again"));
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
  // A string of the table with each {name} replaced by vals[name]; the key itself if
  // the table lacks it. `say` gives the same as HTML text, for innerHTML.
  function word(key, vals) {
    var w = has(STRINGS, key) ? STRINGS[key] : key;
    return vals ? w.replace(/\{(\w+)\}/g, (m, k) => has(vals, k) ? String(vals[k]) : m) : w;
  }
  function say(key, vals) {
    var d = document.createElement("span");
    d.textContent = word(key, vals);
    return d.innerHTML;
  }
  function para(html, cls) { return "<p" + (cls ? ' class="' + cls + '"' : "") + ">" + html + "</p>"; }

  // A choice marked right, wrong or missed: the class styles it, data-mark holds its word.
  function mark(choice, how) {
    choice.classList.add("is-" + how);
    choice.dataset.mark = word("mark_" + how);
  }

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
      if (!out.ok) out.notes.push(wrong === inputs.length ? say("no_blank_right") : say(wrong === 1 ? "blanks_wrong_one" : "blanks_wrong_other", { wrong: wrong, total: inputs.length }));
      return out;
    }
    var picked = $$("input[name=choice]", ex).filter(i => i.checked);
    if (!picked.length) { out.empty = true; return out; }
    if (kind === "true_false") {
      out.ok = (picked[0].value === "true") === ans.answer;
      mark(picked[0].closest(".choice"), out.ok ? "correct" : "wrong");
      return out;
    }
    var correct = ans.correct || [], multi = correct.length > 1 || !!$("input[type=checkbox]", ex);
    var right = 0, wrongPicks = 0, missed = 0;
    $$(".choice", ex).forEach(label => {
      var input = $("input", label), i = Number(input.value);
      var should = correct.indexOf(i) >= 0;
      if (input.checked && should) { right++; mark(label, "correct"); }
      else if (input.checked) {
        wrongPicks++; mark(label, "wrong");
        var why = $(".why", label);
        if (why) { why.hidden = false; out.notes.push("<em>" + $("span", label).innerHTML + "</em>: " + why.innerHTML); }
      } else if (should && multi) missed++;
    });
    out.ok = right === correct.length && wrongPicks === 0;
    if (multi && !out.ok) {
      $$(".choice", ex).forEach(label => {
        var input = $("input", label);
        if (!input.checked && correct.indexOf(Number(input.value)) >= 0) mark(label, "missed");
      });
      out.notes.push(say(correct.length === 1 ? "choices_picked_one" : "choices_picked_other", { right: right, total: correct.length }) +
        (missed ? say("missed", { n: missed }) : "") + (wrongPicks ? say("wrong_picks", { n: wrongPicks }) : "") + say("marked_above"));
    }
    return out;
  }

  function clearMarks(ex) {
    $$(".is-correct, .is-wrong, .is-missed", ex).forEach(el => { el.classList.remove("is-correct", "is-wrong", "is-missed"); });
    $$(".why", ex).forEach(w => { w.hidden = true; });
    $$("[aria-invalid]", ex).forEach(el => { el.removeAttribute("aria-invalid"); });
    $$("[data-mark]", ex).forEach(el => { delete el.dataset.mark; });
  }

  function check(ex) {
    var id = ex.dataset.exercise, xp = Number(ex.dataset.xp) || 0;
    // The lesson page's article, or the review page's item, names the lesson.
    var home = ex.closest("[data-lesson]"), key = home ? home.dataset.lesson : lesson;
    var fb = $(".feedback", ex);
    clearMarks(ex);
    var r = grade(ex);
    if (r.empty) {
      clearMarks(ex);
      fb.className = "feedback is-hint";
      fb.innerHTML = para(say(ex.dataset.kind === "fill_blank" ? "fill_blanks_first" : "choose_first"));
      fb.focus();
      return;
    }
    var lp = lessonProgress(key, true), solved = lp.solved, award = 0, first = r.ok && !has(solved, id);
    if (first) solved[id] = award = xp;
    record(lp, id, r.ok);
    save();
    var finished = first && !!lesson && lessonFinishedHere();
    var html;
    if (r.ok) {
      var exp = $(".explanation", ex);
      html = para("<strong>" + say("correct") + "</strong> " + (first ? (award ? "+" + award + " XP" : "") : say("xp_already_earned")));
      if (exp) html += para(exp.innerHTML);
      if (finished) html += para("<strong>" + say("lesson_complete") + "</strong> <a href=\"#lesson-complete\">" + say("see_what_next") + "</a>.");
    } else {
      html = para("<strong>" + say("not_quite") + "</strong> " + say("change_and_retry")) +
        r.notes.map(n => para(n)).join("");
    }
    fb.className = "feedback " + (r.ok ? "is-correct" : "is-wrong");
    fb.innerHTML = html;
    var details = $("details.answer", ex);
    if (details) details.hidden = false;
    $("[data-action=retry]", ex).hidden = false;
    fb.focus();
    ex.dispatchEvent(new CustomEvent("crescu:attempt", {
      bubbles: true, detail: { lesson: key, exercise: id, correct: r.ok, xp: award }
    }));
    render();
    if (finished) completeMoment();
  }

  // Each graded attempt with its date, the last MAX_ATTEMPTS per exercise: review
  // schedules from them.
  function record(lp, id, ok) {
    if (!isObj(lp.attempts)) lp.attempts = {};
    var list = has(lp.attempts, id) && Array.isArray(lp.attempts[id]) ? lp.attempts[id] : (lp.attempts[id] = []);
    list.push([Date.now(), ok ? 1 : 0]);
    if (list.length > MAX_ATTEMPTS) list.splice(0, list.length - MAX_ATTEMPTS);
  }
  function lessonFinishedHere() {
    var solved = lessonProgress(lesson).solved, all = $$(".exercise[data-exercise]");
    return all.length > 0 && all.every(ex => has(solved, ex.dataset.exercise));
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

  function bindExercise(ex) {
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
  }
  $$(".exercise[data-exercise]").forEach(bindExercise);

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
        if (badge) badge.textContent = done ? word("solved_badge") : "";
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
        if (left) left.textContent = st.solved ? word("lock_left", { solved: st.solved, need: need }) : "";
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
      var title = text($(".lesson-title", card));
      out.appendChild(document.createTextNode(
        (done ? word("card_complete") : word("card_solved", { solved: st.solved, n: n })) + (n ? word("card_xp", st) : "") + " "));
      var b = document.createElement("button");
      b.type = "button"; b.className = "reset-lesson"; b.textContent = word("reset");
      b.setAttribute("aria-label", word("reset_lesson_label", { title: title }));
      b.addEventListener("click", () => {
        if (!window.confirm(word("reset_lesson_confirm", { title: title }))) return;
        delete progress.lessons[key]; save(); render();
        var link = $("a", card); if (link) link.focus();
      });
      out.appendChild(b);
    });
    var cx = $("[data-course-xp]");
    if (cx) cx.style.setProperty("--done", (total ? 100 * earned / total : 0) + "%");
    if (cx) cx.textContent = word("course_xp", { xp: earned, total: Number(cx.dataset.total) || total });
    renderCourse();
  }

  function unlockButton(b) {
    b.addEventListener("click", () => {
      lessonProgress(lesson, true).unlocked = true; save(); render();
    });
  }
  $$(".go-deeper [data-action=unlock]").forEach(unlockButton);

  // Guest banner: export, import, reset
  // Messages show in the progress menu, opened so they are seen (a refused storage too).
  function status(msg, bad) {
    $$(".banner-status").forEach(s => {
      s.textContent = msg; s.classList.toggle("is-bad", !!bad);
      var menu = s.closest("details");
      if (menu && msg) menu.open = true;
    });
  }
  // What the stored progress adds up to, in words; `none` when nothing is solved.
  function totals() {
    var n = 0, xp = 0;
    Object.keys(progress.lessons).forEach(k => { var s = stats(k); n += s.solved; xp += s.xp; });
    return { text: word(n === 1 ? "solved_one" : "solved_other", { n: n, xp: xp }), none: n === 0 };
  }
  $$("[data-action=export]").forEach(b => {
    b.addEventListener("click", () => {
      progress = load();
      var data = JSON.stringify(Object.assign({}, progress, { exported: new Date().toISOString() }), null, 2);
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([data], { type: "application/json" }));
      a.download = KEY.replace(/[^a-z0-9-]+/gi, "-").replace(/^-|-$/g, "") + "-progress.json";
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => { URL.revokeObjectURL(a.href); }, 60000);
      status(word("exported", { totals: totals().text }));
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
        var r = d === null ? word("bad_json") : validate(d);
        input.value = "";
        if (typeof r === "string") { status(word("import_refused", { why: r }), true); return; }
        progress = load();
        var had = totals();
        if (!had.none && !window.confirm(word("import_confirm", { had: had.text }))) {
          status(word("import_cancelled")); return;
        }
        // Stored first and shown from storage, so a file the browser refuses changes nothing.
        var kept = { format: FORMAT, version: VERSION, course: KEY, lessons: r.lessons };
        if (r.last !== undefined) kept.last = r.last;
        if (!store(PKEY, JSON.stringify(kept))) {
          status(word("import_not_stored"), true);
          return;
        }
        render();
        status(word("imported", { totals: totals().text }));
      };
      reader.onerror = () => { status(word("import_unreadable"), true); };
      reader.readAsText(f);
    });
  });
  $$("[data-action=reset-course]").forEach(b => {
    b.addEventListener("click", () => {
      if (!window.confirm(word("reset_all_confirm"))) return;
      progress = fresh(); save(); render();
      $$(".exercise[data-exercise]").forEach(retry);
      b.focus();
      status(word("reset_all_done"));
    });
  });

  // Focus timer
  var timer = $(".focus-timer[data-focus-minutes]");
  if (timer) {
    var minutes = Number(timer.dataset.focusMinutes) || 25;
    var display = $("[data-timer-display]", timer), live = $(".timer-status", timer);
    var btn = n => $("[data-timer=" + n + "]", timer);
    var title = document.title, tick = null, startText = btn("start").textContent;
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
        live.textContent = word("focus_over");
        document.title = "\u23F0 " + word("time_is_up") + " \u2013 " + title;
        timer.classList.add("is-done");
        left = 0; running = false;
      }
      display.textContent = fmt(left);
      timer.classList.toggle("is-running", running);
      var focused = document.activeElement;
      btn("start").disabled = running;
      btn("pause").disabled = !running;
      btn("start").textContent = typeof t.left === "number" ? word("timer_resume") : startText;
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

  // The course around the page: syllabus ticks and counts, Continue, course and module
  // progress, the completion moment. Lessons come from syllabus.js; without it (a theme
  // that does not load it) only the lessons listed in the page are known.
  var SYL = isObj(window.CRESCU_SYLLABUS) && Array.isArray(window.CRESCU_SYLLABUS.modules) ? window.CRESCU_SYLLABUS : { modules: [] };
  function courseLessons() {
    var out = [];
    SYL.modules.forEach(m => m.lessons.forEach(l => {
      out.push({ module: m.slug, key: m.slug + "/" + l[0], title: l[1], ids: l[2], xp: l[3],
        url: ROOT + m.slug + "/" + l[0] + "/index.html" });
    }));
    return out;
  }
  var LESSONS = courseLessons();
  function lessonState(l) {
    var p = lessonProgress(l.key), got = 0, n = 0;
    l.ids.forEach(id => { if (has(p.solved, id)) { n++; got += p.solved[id]; } });
    return { done: l.ids.length ? n === l.ids.length : !!p.visited, xp: Math.min(got, l.xp), started: has(progress.lessons, l.key) };
  }
  function tally(list) {
    var t = { done: 0, lessons: list.length, xp: 0, total: 0 };
    list.forEach(l => { var s = lessonState(l); if (s.done) t.done++; t.xp += s.xp; t.total += l.xp; });
    return t;
  }
  function tallyText(t) { return word(t.lessons === 1 ? "tally_one" : "tally_other", t); }
  // The lesson last visited if unfinished, else the first unfinished one.
  function continueTarget() {
    var last = LESSONS.find(l => l.key === progress.last);
    if (last && !lessonState(last).done) return last;
    return LESSONS.find(l => !lessonState(l).done) || null;
  }
  function link(href, label) {
    var a = document.createElement("a");
    a.href = href; a.textContent = label;
    return a;
  }
  function lessonList(m) {
    var ol = document.createElement("ol");
    ol.className = "syllabus-lessons"; ol.id = "syllabus-" + m.slug;
    m.lessons.forEach(l => {
      var li = document.createElement("li");
      li.dataset.lesson = m.slug + "/" + l[0];
      li.appendChild(link(ROOT + m.slug + "/" + l[0] + "/index.html", l[1]));
      ol.appendChild(li);
    });
    return ol;
  }
  var CHEVRON = '<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><path fill="currentColor" d="M4 2l5 4-5 4z"/></svg>';
  // Every module of the sidebar folds; other modules' lessons are built from syllabus.js
  // on first opening, so pages carry only their own module's list.
  function moduleToggles() {
    var ol = $("#syllabus .syllabus-modules[data-partial]");
    // A large course's pages list only some modules: the rest come from syllabus.js.
    if (ol) {
      SYL.modules.forEach(m => {
        var li = $$(".syllabus-module", ol).find(x => x.dataset.module === m.slug);
        if (!li) {
          li = document.createElement("li");
          li.className = "syllabus-module"; li.dataset.module = m.slug;
          var row = document.createElement("p"), count = document.createElement("span");
          row.className = "syllabus-module-row"; count.className = "syllabus-count"; count.dataset.moduleCount = "";
          row.append(link(ROOT + m.slug + "/index.html", m.title), " ", count);
          li.appendChild(row);
        }
        ol.appendChild(li);
      });
      var all = $("#syllabus .syllabus-all");
      if (all) all.hidden = true;
    }
    $$("#syllabus .syllabus-module").forEach(li => {
      var m = SYL.modules.find(x => x.slug === li.dataset.module), row = $(".syllabus-module-row", li);
      if (!m || !row || !m.lessons.length) return;
      var b = document.createElement("button");
      b.type = "button"; b.className = "module-toggle"; b.innerHTML = CHEVRON;
      b.setAttribute("aria-label", word("module_lessons", { module: m.title }));
      b.setAttribute("aria-controls", "syllabus-" + m.slug);
      var list = $(".syllabus-lessons", li);
      b.setAttribute("aria-expanded", list ? "true" : "false");
      b.addEventListener("click", () => {
        list = $(".syllabus-lessons", li);
        if (!list) { list = lessonList(m); list.hidden = true; li.appendChild(list); renderCourse(); }
        list.hidden = !list.hidden;
        b.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      });
      row.insertBefore(b, row.firstChild);
    });
  }
  function renderCourse() {
    if (!LESSONS.length) return;
    var course = tally(LESSONS);
    $$("[data-course-count]").forEach(el => { el.textContent = tallyText(course); });
    SYL.modules.forEach(m => {
      var t = tally(LESSONS.filter(l => l.module === m.slug));
      $$("[data-module=\"" + CSS.escape(m.slug) + "\"] [data-module-count]").forEach(el => { el.textContent = word("done_of", t); });
      $$("[data-module-progress=\"" + CSS.escape(m.slug) + "\"]").forEach(el => { el.textContent = tallyText(t); });
    });
    $$("#syllabus li[data-lesson]").forEach(li => {
      var l = LESSONS.find(x => x.key === li.dataset.lesson), done = !!l && lessonState(l).done;
      li.classList.toggle("is-done", done);
      var a = $("a", li), mark = a && $(".done-mark", a);
      if (done && a && !mark) {
        mark = document.createElement("span");
        mark.className = "visually-hidden done-mark"; mark.textContent = word("finished_mark");
        a.appendChild(mark);
      } else if (!done && mark) mark.remove();
    });
    var next = continueTarget(), started = Object.keys(progress.lessons).length > 0;
    $$("[data-continue]").forEach(el => {
      el.textContent = "";
      if (next && next.key !== lesson) el.appendChild(link(next.url, word(started ? "continue" : "start", { title: next.title })));
      else if (!next) el.appendChild(document.createTextNode(word("course_complete_xp", course)));
      el.hidden = !el.firstChild;
    });
    var due = reviewQueue(Date.now()).length;
    $$("[data-review-link]").forEach(el => {
      el.hidden = !due && !reviewPage;
      var n = $("[data-review-count]", el);
      if (n) n.textContent = due ? word("due", { n: due }) : "";
    });
  }
  // Review: a Leitner schedule from each exercise's dated attempts. A right answer on or
  // after the due date moves the exercise up a box (a longer wait), a wrong one sends it
  // back to box 0 (due at once); right answers before the due date keep the box.
  var DAY = 864e5, WAIT_DAYS = [0, 1, 2, 4, 8, 16];
  function leitner(attempts) {
    var box = 0, due = 0;
    attempts.slice().sort((a, b) => a[0] - b[0]).forEach(t => {
      if (!t[1]) { box = 0; due = t[0]; return; }
      if (t[0] >= due) box = Math.min(box + 1, WAIT_DAYS.length - 1);
      due = t[0] + WAIT_DAYS[box] * DAY;
    });
    return { box: box, due: due };
  }
  function reviewItems() {
    var out = [];
    LESSONS.forEach(l => {
      var p = lessonProgress(l.key), at = isObj(p.attempts) ? p.attempts : {};
      l.ids.forEach(id => {
        var list = has(at, id) && Array.isArray(at[id]) ? at[id] : [];
        if (list.length) out.push(Object.assign({ key: l.key, id: id, solved: has(p.solved, id) }, leitner(list)));
      });
    });
    return out;
  }
  // Answered but never solved first, then solved ones due by `now`, oldest first.
  function reviewQueue(now) {
    var items = reviewItems(), by = (a, b) => a.due - b.due;
    return items.filter(i => !i.solved).sort(by).concat(items.filter(i => i.solved && i.due <= now).sort(by));
  }
  var reviewPage = $("[data-review-page]");
  // What static/review.js (loaded by the review page only) needs from this file.
  if (reviewPage) window.crescuReview = { queue: reviewQueue, items: reviewItems, bind: bindExercise, DAY: DAY, ROOT: ROOT };

  // Shown when the last exercise of the lesson is solved for the first time.
  function completeMoment() {
    var box = $("[data-lesson-complete]");
    if (!box) return;
    var here = LESSONS.find(l => l.key === lesson), course = tally(LESSONS);
    var xp = here ? lessonState(here).xp : stats(lesson).xp, parts = [word("earned_in_lesson", { xp: xp })];
    if ($(".go-deeper")) parts.push(word("go_deeper_unlocked"));
    var next = continueTarget();
    if (next) parts.push(word("course_progress", { tally: tallyText(course) }));
    else {
      $("[data-complete-title]", box).textContent = word("course_complete");
      parts.push(word("course_finished", course));
    }
    $("[data-complete-summary]", box).textContent = parts.join(" ");
    box.hidden = false;
  }

  // Syllabus menu button: a drawer on narrow screens, a column to hide on wide ones.
  var wide = window.matchMedia("(min-width: 60rem)"), toggle = $(".syllabus-toggle"), syllabus = $("#syllabus");
  var root = document.documentElement;
  root.classList.add("js");
  function navOpen() { return wide.matches ? !root.classList.contains("syllabus-closed") : root.classList.contains("syllabus-open"); }
  function syncToggle() { if (toggle) toggle.setAttribute("aria-expanded", navOpen() ? "true" : "false"); }
  if (isObj(readJson(NKEY)) && readJson(NKEY).closed) root.classList.add("syllabus-closed");
  if (toggle && syllabus) {
    toggle.addEventListener("click", () => {
      if (wide.matches) {
        root.classList.toggle("syllabus-closed");
        set(NKEY, JSON.stringify({ closed: root.classList.contains("syllabus-closed") }));
      } else {
        root.classList.toggle("syllabus-open");
        if (navOpen()) ($("a[aria-current]", syllabus) || $("a", syllabus)).focus();
      }
      syncToggle();
    });
    document.addEventListener("keydown", e => {
      if (e.key === "Escape" && !wide.matches && navOpen()) { root.classList.remove("syllabus-open"); syncToggle(); toggle.focus(); }
    });
    // A click beside the open drawer closes it.
    document.addEventListener("click", e => {
      if (!wide.matches && navOpen() && !syllabus.contains(e.target) && !toggle.contains(e.target)) { root.classList.remove("syllabus-open"); syncToggle(); }
    });
    wide.addEventListener("change", syncToggle);
    syncToggle();
    moduleToggles();
  }

  // [ and ] go to the previous and next lesson, except while typing.
  document.addEventListener("keydown", e => {
    if ((e.key !== "[" && e.key !== "]") || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable], [contenteditable=''], [contenteditable=true]")) return;
    var a = $(".prev-next a[rel=" + (e.key === "[" ? "prev" : "next") + "]");
    if (a) { e.preventDefault(); window.location.href = a.href; }
  });

  // "On this page": open on wide screens, the section being read highlighted.
  var toc = $("[data-toc]");
  if (toc) {
    var rail = window.matchMedia("(min-width: 80rem)");
    if (rail.matches) toc.open = true;
    var links = $$("a[href^='#']", toc), targets = links.map(a => document.getElementById(decodeURIComponent(a.hash.slice(1))));
    var pending = false;
    var highlight = () => {
      pending = false;
      // The last heading above the top fifth; at the end of the page, the last one in view.
      var current = -1, bottom = innerHeight + scrollY >= document.documentElement.scrollHeight - 2;
      var line = bottom ? innerHeight : Math.max(120, innerHeight / 5);
      targets.forEach((h, i) => { if (h && h.getBoundingClientRect().top < line) current = i; });
      links.forEach((a, i) => {
        a.classList.toggle("is-active", i === current);
        if (i === current) a.setAttribute("aria-current", "location"); else a.removeAttribute("aria-current");
      });
    };
    window.addEventListener("scroll", () => { if (!pending) { pending = true; requestAnimationFrame(highlight); } }, { passive: true });
    highlight();
  }

  // Printing shows every answer and explanation after its exercise.
  window.addEventListener("beforeprint", () => {
    $$("details.answer").forEach(d => { d.dataset.wasOpen = d.open ? "1" : ""; d.dataset.wasHidden = d.hidden ? "1" : ""; d.open = true; d.hidden = false; });
  });
  window.addEventListener("afterprint", () => {
    $$("details.answer").forEach(d => { d.open = d.dataset.wasOpen === "1"; d.hidden = d.dataset.wasHidden === "1"; });
  });

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
  if (lesson && (!lessonProgress(lesson).visited || progress.last !== lesson)) {
    lessonProgress(lesson, true).visited = true; progress.last = lesson; save(); render();
  }
  window.addEventListener("storage", e => { if (e.key === PKEY || e.key === null) render(); });
})();

// Code blocks: a copy button on each, added here so that pages without scripts show no
// button that does nothing. The Clipboard API needs a secure context (file:// and
// localhost count); elsewhere, and when it refuses, a selected textarea and
// execCommand("copy") do the job.
(function () {
  "use strict";
  var word = window.crescuWord;
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.cssText = "position:fixed;top:0;left:0;opacity:0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; },
        function () { return fallbackCopy(text); });
    }
    return Promise.resolve(fallbackCopy(text));
  }
  document.querySelectorAll(".code-block").forEach(function (block) {
    var code = block.querySelector("pre code");
    if (!code) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "code-copy";
    button.textContent = word("copy");
    var said = 0;
    button.addEventListener("click", function () {
      copy(code.textContent).then(function (ok) {
        button.textContent = word(ok ? "copied" : "copy_by_keys");
        if (!ok) {
          var range = document.createRange();
          range.selectNodeContents(code);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }
        clearTimeout(said);
        said = setTimeout(function () { button.textContent = word("copy"); }, 2000);
      });
    });
    block.insertBefore(button, block.firstChild);
  });
})();

// Search: the box shows when scripts run; its code (search.js) loads when the reader first
// goes to it, by pointer, focus or `/` (anywhere but in a field, where `/` is a slash).
(function () {
  var form = document.querySelector("[data-search]");
  if (!form) return;
  var input = form.querySelector("input"), loaded = false;
  form.hidden = false;
  function load() {
    if (loaded) return;
    loaded = true;
    var s = document.createElement("script");
    s.src = form.getAttribute("data-script");
    document.head.appendChild(s);
  }
  input.addEventListener("focus", load);
  form.addEventListener("pointerenter", load);
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
})();

// Scripts only some pages need (explorable charts, video players) load when the page
// has such an element, from beside this script (so they work from file:// too).
(function () {
  var me = document.currentScript, base = me ? me.src.replace(/[^\/]*$/, "") : "";
  function need(selector, file) {
    if (!document.querySelector(selector)) return;
    var s = document.createElement("script");
    s.src = base + file;
    document.head.appendChild(s);
  }
  need(".chart[data-explore], .chart svg [aria-label]", "explore.js");
  need(".video-embed[data-player]", "video.js");
})();
