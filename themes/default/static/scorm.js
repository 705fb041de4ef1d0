// crescu SCORM adaptor: part of `crescu build --scorm 1.2|2004` builds only.
//
// One file, two roles:
// - In scorm.html, the launch page (the SCO), it finds the LMS's API, starts the session,
//   restores the learner's progress from cmi.suspend_data and reports score, status,
//   interactions and session time. The course's pages are shown in its frame.
// - In a page inside that frame, it connects crescu.js's progress hook (the events
//   crescu:progress-load and crescu:progress-saved) and its crescu:attempt event to the
//   launch page.
// Without an LMS the launch page opens the course itself and pages run as in the plain site.
//
// suspend_data, compact so that hundreds of lessons fit SCORM 1.2's 4,096 characters:
//   "1" then, per lesson with any progress, "." + 4 characters of a hash of the lesson's
//   key and exercise ids + 1 flags character (visited, unlocked) + one character per three
//   exercises (two bits each: 0 untried, 1 tried, 2 solved), all in base64url digits.
// A lesson whose exercises changed since gets a new hash, so its old state is dropped
// rather than misread. What does not fit the limit is dropped from the end, never written.
"use strict";
(() => {
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // The data model's names in each version, and the limits kept to.
  var NAMES = {
    "1.2": { init: "LMSInitialize", finish: "LMSFinish", commit: "LMSCommit", get: "LMSGetValue", set: "LMSSetValue",
             location: "cmi.core.lesson_location", time: "cmi.core.session_time", exit: "cmi.core.exit",
             score: "cmi.core.score.", response: "student_response", stamp: "time", wrong: "wrong",
             limit: 4096, locationLimit: 255 },
    "2004": { init: "Initialize", finish: "Terminate", commit: "Commit", get: "GetValue", set: "SetValue",
              location: "cmi.location", time: "cmi.session_time", exit: "cmi.exit",
              score: "cmi.score.", response: "learner_response", stamp: "timestamp", wrong: "incorrect",
              limit: 64000, locationLimit: 1000 },
  };
  // Interactions kept within the data model's smallest permitted maximum (2004: 250).
  var MAX_INTERACTIONS = 250;
  var data = document.getElementById("crescu-scorm");
  if (data) launch(JSON.parse(data.textContent));
  else page();

  // A course page: talk to the launch page when it is our parent and tracks a session.
  function page() {
    var sco = null;
    try { sco = window.parent !== window ? window.parent.crescuScorm : null; } catch (e) { sco = null; }
    if (!sco || !sco.active) return;
    document.addEventListener("crescu:progress-load", e => { e.detail.json = sco.load(); });
    document.addEventListener("crescu:progress-saved", e => { sco.saved(e.detail.json); });
    document.addEventListener("crescu:attempt", e => { sco.attempt(e.detail, response(e.target)); });
    sco.visit(location.href);
    // The progress menu's "in this browser only" is not true here.
    var note = document.querySelector(".progress-where");
    var text = pageStrings().saved_by_lms;
    if (note && text) note.textContent = text;
  }

  // The page's interface text (the JSON crescu.js reads too; this script runs first).
  function pageStrings() {
    var el = document.getElementById("crescu-strings");
    try { return JSON.parse(el.textContent) || {}; } catch (e) { return {}; }
  }

  // What the learner answered, read from the exercise's form as it was graded.
  function response(ex) {
    if (ex.dataset.kind === "fill_blank")
      return Array.from(ex.querySelectorAll("input.blank")).map(i => i.value.trim());
    return Array.from(ex.querySelectorAll("input[name=choice]")).filter(i => i.checked).map(i => i.value);
  }

  // The API object of the LMS: up the chain of parents (bounded), then from the opener.
  function findApi(name) {
    function climb(w) {
      for (var i = 0; w && i < 16; i++) {
        try { if (w[name]) return w[name]; } catch (e) { /* another origin: look further up */ }
        if (w.parent === w) break;
        w = w.parent;
      }
      return null;
    }
    var found = climb(window.parent !== window ? window.parent : null);
    if (!found) { try { found = climb(window.top.opener); } catch (e) { found = null; } }
    return found;
  }

  // suspend_data (see the top of this file). `state` maps lesson keys to
  // {visited, unlocked, tries: {id: 1 tried | 2 solved}}.
  function fingerprint(lesson) {
    var text = lesson.key + "|" + lesson.exercises.map(e => e[0]).join(","), h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
    h = (h ^ (h >>> 24)) & 0xffffff;
    var s = "";
    for (var j = 0; j < 4; j++) { s += DIGITS[h & 63]; h >>>= 6; }
    return s;
  }
  function decode(text, scope) {
    var state = new Map(), parts = String(text || "").split(".");
    if (parts[0] !== "1") return state;
    var byPrint = new Map(scope.map(l => [fingerprint(l), l]));
    parts.slice(1).forEach(p => {
      var lesson = byPrint.get(p.slice(0, 4));
      if (!lesson || p.length !== 5 + Math.ceil(lesson.exercises.length / 3)) return;
      var flags = DIGITS.indexOf(p[4]), st = { visited: !!(flags & 1), unlocked: !!(flags & 2), tries: {} };
      lesson.exercises.forEach((e, i) => {
        var v = (DIGITS.indexOf(p[5 + Math.floor(i / 3)]) >> (2 * (i % 3))) & 3;
        if (v === 1 || v === 2) st.tries[e[0]] = v;
      });
      state.set(lesson.key, st);
    });
    return state;
  }
  function encodeLesson(lesson, st) {
    var entry = "." + fingerprint(lesson) + DIGITS[(st.visited ? 1 : 0) | (st.unlocked ? 2 : 0)];
    for (var i = 0; i < lesson.exercises.length; i += 3) {
      var bits = 0;
      for (var j = 0; j < 3 && i + j < lesson.exercises.length; j++) {
        var id = lesson.exercises[i + j][0];
        bits |= (Object.hasOwn(st.tries, id) ? st.tries[id] : 0) << (2 * j);
      }
      entry += DIGITS[bits];
    }
    return entry;
  }
  function encode(state, scope, limit) {
    var text = "1";
    for (var lesson of scope) {
      var st = state.get(lesson.key);
      if (!st || (!st.visited && !st.unlocked && !Object.keys(st.tries).length)) continue;
      var entry = encodeLesson(lesson, st);
      if (text.length + entry.length > limit) {
        console.warn("crescu: progress of later lessons does not fit cmi.suspend_data and is not saved");
        break;
      }
      text += entry;
    }
    return text;
  }

  // The progress object crescu.js keeps (its version 1 format), from `state`, with the
  // lessons outside the SCO as the pages last saved them.
  function progressJson(state, scope, outside, storageKey) {
    var lessons = {};
    scope.forEach(lesson => {
      var st = state.get(lesson.key);
      if (!st) return;
      var solved = {};
      lesson.exercises.forEach(e => { if (st.tries[e[0]] === 2) solved[e[0]] = e[1]; });
      lessons[lesson.key] = { solved: solved };
      if (st.visited) lessons[lesson.key].visited = true;
      if (st.unlocked) lessons[lesson.key].unlocked = true;
    });
    Object.keys(outside).forEach(key => { if (!Object.hasOwn(lessons, key)) lessons[key] = outside[key]; });
    return JSON.stringify({ format: "crescu-progress", version: 1, course: storageKey, lessons: lessons });
  }
  // Takes what a page saved into `state`; returns the lessons outside the SCO.
  function applyProgress(json, state, scope) {
    var p, outside = {};
    try { p = JSON.parse(json); } catch (e) { p = null; }
    if (!p || typeof p.lessons !== "object" || p.lessons === null) return outside;
    Object.keys(p.lessons).forEach(key => {
      if (!scope.some(l => l.key === key)) outside[key] = p.lessons[key];
    });
    scope.forEach(lesson => {
      var lp = Object.hasOwn(p.lessons, lesson.key) ? p.lessons[lesson.key] : null;
      if (!lp) { state.delete(lesson.key); return; }
      if (!state.has(lesson.key)) state.set(lesson.key, { tries: {} });
      var st = state.get(lesson.key);
      st.visited = !!lp.visited; st.unlocked = !!lp.unlocked;
      lesson.exercises.forEach(e => {
        if (lp.solved && Object.hasOwn(lp.solved, e[0])) st.tries[e[0]] = 2;
        else if (st.tries[e[0]] === 2) delete st.tries[e[0]];   // reset by the learner
      });
    });
    return outside;
  }

  // Score (share of XP) and status: `done` once every lesson was opened and every
  // exercise answered; passed/failed against the mastery score when there is one.
  function standing(state, scope, mastery) {
    var total = 0, earned = 0, open = 0;
    scope.forEach(lesson => {
      var st = state.get(lesson.key) || { tries: {} };
      if (!st.visited) open++;
      lesson.exercises.forEach(e => {
        total += e[1];
        if (st.tries[e[0]] === 2) earned += e[1];
        else if (st.tries[e[0]] !== 1) open++;
      });
    });
    var share = total ? earned / total : 1, done = open === 0;
    var passed = mastery !== null && share * 100 >= mastery;
    return { total: total, share: share, done: done, passed: passed, failed: mastery !== null && done && !passed };
  }

  // A graded answer as the version's interaction response.
  function responseValue(type, answer, v12) {
    if (type === "fill-in") {
      var texts = answer.map(a => a.replace(/\[,\]/g, ", ").slice(0, 250));
      return v12 ? texts.join(",").slice(0, 255) : texts.join("[,]");
    }
    if (type === "true-false") return v12 ? (answer[0] === "true" ? "t" : "f") : answer[0];
    return v12 ? answer.map(i => Number(i).toString(36)).join(",") : answer.map(i => "choice-" + i).join("[,]");
  }

  function duration(ms, v12) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    var pad = n => String(n).padStart(2, "0");
    return v12 ? pad(Math.min(h, 9999)) + ":" + pad(m) + ":" + pad(s % 60) : "PT" + h + "H" + m + "M" + (s % 60) + "S";
  }

  // The launch page: one session with the LMS, the course in the frame.
  function launch(course) {
    var v12 = course.version === "1.2", N = NAMES[course.version];
    var api = findApi(v12 ? "API" : "API_1484_11");
    var only = new URLSearchParams(location.search).get("lesson");
    var scope = course.lessons.filter(l => !only || l.key === only);
    var start = only && scope.length ? scope[0].url : course.start;
    if (!api || !call(N.init)) {
      // No LMS (opened from disk or a static host): the plain course.
      window.crescuScorm = { active: false };
      location.replace(start);
      return;
    }
    var started = Date.now();
    var sent = new Map();   // element -> value last set, so nothing unchanged is set again
    var dirty = false, finished = false, commitTimer = null;
    var interactions = Number(get("cmi.interactions._count")) || 0;
    var state = decode(get("cmi.suspend_data"), scope);
    var outside = {};   // other lessons' progress, for a per-lesson SCO's visit
    var here = get(N.location);

    function call(name, a, b) {
      try { var r = api[name](a === undefined ? "" : a, b); return r === true || r === "true"; }
      catch (e) { return false; }
    }
    function get(element) {
      try { return String(api[N.get](element) || ""); } catch (e) { return ""; }
    }
    function set(element, value) {
      value = String(value);
      if (sent.get(element) === value) return;
      if (call(N.set, element, value)) { sent.set(element, value); dirty = true; }
    }
    function report() {
      var s = standing(state, scope, course.mastery);
      if (s.total) {
        set(N.score + "min", 0); set(N.score + "max", 100); set(N.score + "raw", Math.round(s.share * 100));
        if (!v12) set("cmi.score.scaled", Math.round(s.share * 10000) / 10000);
      }
      if (v12) set("cmi.core.lesson_status", s.passed ? "passed" : s.failed ? "failed" : s.done ? "completed" : "incomplete");
      else {
        set("cmi.completion_status", s.done ? "completed" : "incomplete");
        set("cmi.success_status", s.passed ? "passed" : s.failed ? "failed" : "unknown");
      }
      set("cmi.suspend_data", encode(state, scope, N.limit));
      // Committed a few seconds after a change (one commit for a burst of clicks).
      if (dirty && commitTimer === null) commitTimer = setTimeout(commit, 10000);
    }
    function commit() {
      clearTimeout(commitTimer); commitTimer = null;
      if (!dirty || finished) return;
      set(N.time, duration(Date.now() - started, v12));
      dirty = false;
      call(N.commit);
    }
    function finish() {
      if (finished) return;
      set(N.exit, "suspend");   // the next launch resumes with this suspend_data
      set(N.time, duration(Date.now() - started, v12));
      clearTimeout(commitTimer);
      finished = true;
      call(N.finish);
    }
    function interaction(detail, answer) {
      var lesson = scope.find(l => l.key === detail.lesson);
      var ex = lesson && lesson.exercises.find(e => e[0] === detail.exercise);
      if (!ex || interactions >= MAX_INTERACTIONS) return;
      var n = "cmi.interactions." + interactions++ + ".", now = new Date();
      set(n + "id", detail.lesson + "/" + detail.exercise);
      set(n + "type", ex[2]);
      set(n + N.response, responseValue(ex[2], answer, v12));
      set(n + "result", detail.correct ? "correct" : N.wrong);
      set(n + "weighting", ex[1]);
      set(n + N.stamp, v12 ? now.toTimeString().slice(0, 8) : now.toISOString().slice(0, 19));
    }

    window.crescuScorm = {
      active: true,
      load: () => progressJson(state, scope, outside, course.storage_key),
      saved: json => { outside = applyProgress(json, state, scope); report(); },
      attempt: (detail, answer) => {
        if (!scope.some(l => l.key === detail.lesson)) return;
        if (!state.has(detail.lesson)) state.set(detail.lesson, { visited: false, unlocked: false, tries: {} });
        var tries = state.get(detail.lesson).tries;
        if (tries[detail.exercise] !== 2) tries[detail.exercise] = detail.correct ? 2 : 1;
        interaction(detail, answer);
        report();
      },
      visit: href => {
        var root = new URL(".", location.href).href;
        if (href.startsWith(root)) set(N.location, href.slice(root.length).split("#")[0].slice(0, N.locationLimit));
      },
    };
    report();
    // Committed too when the page is hidden, and the session ends when it goes away.
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") commit(); });
    window.addEventListener("pagehide", () => { commit(); finish(); });
    var resume = !only && /^[\w\-./]+\.html$/.test(here) && !here.includes("..") ? here : start;
    document.getElementById("crescu-course").src = resume;
  }
})();
