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
    // The guest banner's "in this browser only" is not true here.
    var note = document.querySelector(".guest-banner > p:first-child");
    if (note) note.textContent = "Your progress and XP are saved by your learning platform.";
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

  function launch(course) {
    var v12 = course.version === "1.2";
    var api = findApi(v12 ? "API" : "API_1484_11");
    var frame = document.getElementById("crescu-course");
    var only = new URLSearchParams(location.search).get("lesson");
    var scope = course.lessons.filter(l => !only || l.key === only);
    var start = only && scope.length ? scope[0].url : course.start;
    if (!api || !call(v12 ? "LMSInitialize" : "Initialize")) {
      // No LMS (opened from disk or a static host): the plain course.
      window.crescuScorm = { active: false };
      location.replace(start);
      return;
    }
    var K = v12
      ? { suspend: "cmi.suspend_data", location: "cmi.core.lesson_location", time: "cmi.core.session_time",
          exit: "cmi.core.exit", raw: "cmi.core.score.raw", min: "cmi.core.score.min", max: "cmi.core.score.max",
          response: "student_response", stamp: "time", wrong: "wrong", limit: 4096, locationLimit: 255 }
      : { suspend: "cmi.suspend_data", location: "cmi.location", time: "cmi.session_time",
          exit: "cmi.exit", raw: "cmi.score.raw", min: "cmi.score.min", max: "cmi.score.max",
          response: "learner_response", stamp: "timestamp", wrong: "incorrect", limit: 64000, locationLimit: 1000 };
    // Interactions kept within the data model's smallest permitted maximum (2004: 250).
    var MAX_INTERACTIONS = 250;
    var started = Date.now();
    var sent = new Map();   // element -> value last set, so nothing unchanged is set again
    var dirty = false, finished = false, commitTimer = null;
    var interactions = Number(get("cmi.interactions._count")) || 0;
    var state = decode(get(K.suspend));
    // Lessons outside a per-lesson SCO's own, as the pages saved them: kept for the visit
    // (so pages show them consistently) but not reported to the LMS.
    var outside = {};
    var here = get(K.location);

    function call(name, a, b) {
      try { var r = api[name](a === undefined ? "" : a, b); return r === true || r === "true"; }
      catch (e) { return false; }
    }
    function get(element) {
      try { return String(api[v12 ? "LMSGetValue" : "GetValue"](element) || ""); } catch (e) { return ""; }
    }
    function set(element, value) {
      value = String(value);
      if (sent.get(element) === value) return;
      if (call(v12 ? "LMSSetValue" : "SetValue", element, value)) { sent.set(element, value); dirty = true; }
    }

    // Progress: per lesson key, {visited, unlocked, tries: {id: 1 tried | 2 solved}}.
    function lessonState(key) {
      if (!state.has(key)) state.set(key, { visited: false, unlocked: false, tries: {} });
      return state.get(key);
    }
    function fingerprint(lesson) {
      var text = lesson.key + "|" + lesson.exercises.map(e => e[0]).join(","), h = 0x811c9dc5;
      for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
      h = (h ^ (h >>> 24)) & 0xffffff;
      var s = "";
      for (var j = 0; j < 4; j++) { s += DIGITS[h & 63]; h >>>= 6; }
      return s;
    }
    function decode(text) {
      var out = new Map(), parts = String(text || "").split(".");
      if (parts[0] !== "1") return out;
      var byPrint = new Map(scope.map(l => [fingerprint(l), l]));
      parts.slice(1).forEach(p => {
        var lesson = byPrint.get(p.slice(0, 4));
        var n = lesson ? lesson.exercises.length : 0;
        if (!lesson || p.length !== 5 + Math.ceil(n / 3)) return;
        var flags = DIGITS.indexOf(p[4]), st = { visited: !!(flags & 1), unlocked: !!(flags & 2), tries: {} };
        lesson.exercises.forEach((e, i) => {
          var v = (DIGITS.indexOf(p[5 + Math.floor(i / 3)]) >> (2 * (i % 3))) & 3;
          if (v === 1 || v === 2) st.tries[e[0]] = v;
        });
        out.set(lesson.key, st);
      });
      return out;
    }
    function encode() {
      var text = "1";
      for (var lesson of scope) {
        var st = state.get(lesson.key);
        if (!st || (!st.visited && !st.unlocked && !Object.keys(st.tries).length)) continue;
        var entry = "." + fingerprint(lesson) + DIGITS[(st.visited ? 1 : 0) | (st.unlocked ? 2 : 0)];
        for (var i = 0; i < lesson.exercises.length; i += 3) {
          var bits = 0;
          for (var j = 0; j < 3 && i + j < lesson.exercises.length; j++) {
            var id = lesson.exercises[i + j][0];
            bits |= (Object.hasOwn(st.tries, id) ? st.tries[id] : 0) << (2 * j);
          }
          entry += DIGITS[bits];
        }
        if (text.length + entry.length > K.limit) {
          console.warn("crescu: progress of later lessons does not fit cmi.suspend_data and is not saved");
          break;
        }
        text += entry;
      }
      return text;
    }

    // The progress object crescu.js keeps (its version 1 format).
    function progressJson() {
      var lessons = {};
      state.forEach((st, key) => {
        var lesson = scope.find(l => l.key === key);
        if (!lesson) return;
        var solved = {};
        lesson.exercises.forEach(e => { if (st.tries[e[0]] === 2) solved[e[0]] = e[1]; });
        lessons[key] = { solved: solved };
        if (st.visited) lessons[key].visited = true;
        if (st.unlocked) lessons[key].unlocked = true;
      });
      Object.keys(outside).forEach(key => { if (!Object.hasOwn(lessons, key)) lessons[key] = outside[key]; });
      return JSON.stringify({ format: "crescu-progress", version: 1, course: course.storage_key, lessons: lessons });
    }
    function fromProgress(json) {
      var p;
      try { p = JSON.parse(json); } catch (e) { return; }
      if (!p || typeof p.lessons !== "object" || p.lessons === null) return;
      outside = {};
      Object.keys(p.lessons).forEach(key => {
        if (!scope.some(l => l.key === key)) outside[key] = p.lessons[key];
      });
      scope.forEach(lesson => {
        var lp = Object.hasOwn(p.lessons, lesson.key) ? p.lessons[lesson.key] : null;
        if (!lp) { state.delete(lesson.key); return; }
        var st = lessonState(lesson.key);
        st.visited = !!lp.visited; st.unlocked = !!lp.unlocked;
        lesson.exercises.forEach(e => {
          var solved = lp.solved && Object.hasOwn(lp.solved, e[0]);
          if (solved) st.tries[e[0]] = 2;
          else if (st.tries[e[0]] === 2) delete st.tries[e[0]];   // reset by the learner
        });
      });
    }

    // Score (share of XP), status, suspend_data: set when they changed.
    function report() {
      var total = 0, earned = 0, untried = 0, unvisited = 0;
      scope.forEach(lesson => {
        var st = state.get(lesson.key) || { tries: {} };
        if (!st.visited) unvisited++;
        lesson.exercises.forEach(e => {
          total += e[1];
          if (st.tries[e[0]] === 2) earned += e[1];
          else if (st.tries[e[0]] !== 1) untried++;
        });
      });
      var share = total ? earned / total : 1;
      var done = untried === 0 && unvisited === 0;
      var passed = course.mastery !== null && share * 100 >= course.mastery;
      var failed = course.mastery !== null && done && !passed;
      if (total) {
        set(K.min, 0); set(K.max, 100); set(K.raw, Math.round(share * 100));
        if (!v12) set("cmi.score.scaled", Math.round(share * 10000) / 10000);
      }
      if (v12) set("cmi.core.lesson_status", passed ? "passed" : failed ? "failed" : done ? "completed" : "incomplete");
      else {
        set("cmi.completion_status", done ? "completed" : "incomplete");
        set("cmi.success_status", passed ? "passed" : failed ? "failed" : "unknown");
      }
      set(K.suspend, encode());
      if (dirty) scheduleCommit();
    }

    // Commits: a few seconds after a change (one for a burst of clicks), and when the
    // page is hidden or closed; never when nothing changed.
    function scheduleCommit() {
      if (commitTimer === null) commitTimer = setTimeout(commit, 10000);
    }
    function commit() {
      clearTimeout(commitTimer); commitTimer = null;
      if (!dirty || finished) return;
      set(K.time, duration(Date.now() - started));
      dirty = false;
      call(v12 ? "LMSCommit" : "Commit");
    }
    function finish() {
      if (finished) return;
      set(K.exit, "suspend");   // the next launch resumes with this suspend_data
      set(K.time, duration(Date.now() - started));
      clearTimeout(commitTimer);
      finished = true;
      call(v12 ? "LMSFinish" : "Terminate");
    }
    function duration(ms) {
      var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
      var pad = n => String(n).padStart(2, "0");
      return v12 ? pad(Math.min(h, 9999)) + ":" + pad(m) + ":" + pad(s % 60) : "PT" + h + "H" + m + "M" + (s % 60) + "S";
    }

    function interaction(detail, answer) {
      var lesson = scope.find(l => l.key === detail.lesson);
      var ex = lesson && lesson.exercises.find(e => e[0] === detail.exercise);
      if (!ex || interactions >= MAX_INTERACTIONS) return;
      var n = "cmi.interactions." + interactions++ + ".", type = ex[2], value;
      if (type === "fill-in") value = answer.map(a => a.replace(/\[,\]/g, ", ").slice(0, 250)).join("[,]");
      else if (type === "true-false") value = v12 ? (answer[0] === "true" ? "t" : "f") : answer[0];
      else value = answer.map(i => v12 ? Number(i).toString(36) : "choice-" + i).join(v12 ? "," : "[,]");
      var now = new Date();
      set(n + "id", detail.lesson + "/" + detail.exercise);
      set(n + "type", type);
      set(n + K.response, v12 ? value.slice(0, 255) : value);
      set(n + "result", detail.correct ? "correct" : K.wrong);
      set(n + "weighting", ex[1]);
      set(n + K.stamp, v12 ? now.toTimeString().slice(0, 8) : now.toISOString().slice(0, 19));
    }

    window.crescuScorm = {
      active: true,
      load: progressJson,
      saved: json => { fromProgress(json); report(); },
      attempt: (detail, answer) => {
        if (!scope.some(l => l.key === detail.lesson)) return;
        var st = lessonState(detail.lesson);
        if (st.tries[detail.exercise] !== 2) st.tries[detail.exercise] = detail.correct ? 2 : 1;
        interaction(detail, answer);
        report();
      },
      visit: href => {
        var root = new URL(".", location.href).href;
        if (href.startsWith(root)) set(K.location, href.slice(root.length).split("#")[0].slice(0, K.locationLimit));
      },
    };
    report();
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") commit(); });
    window.addEventListener("pagehide", () => { commit(); finish(); });
    var resume = !only && here && /^[\w\-./]+\.html$/.test(here) && !here.includes("..") ? here : start;
    frame.src = resume;
  }
})();
