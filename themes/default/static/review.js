// crescu review: the review page's queue. Which exercises show, and in what order,
// comes from the learner's dated attempts (the Leitner schedule in crescu.js); each
// module's exercises are loaded from review/<module>.js only when one is queued.
"use strict";
(() => {
  var R = window.crescuReview, reviewPage = document.querySelector("[data-review-page]");
  if (!R || !reviewPage) return;
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }
  function has(o, k) { return Object.hasOwn(o, k); }
  var word = window.crescuWord;
  // Always two days or more for `review_in_days`, so it needs no singular.
  function inDays(ms) {
    var d = Math.ceil(ms / R.DAY);
    return d <= 0 ? word("review_now") : d === 1 ? word("review_tomorrow") : word("review_in_days", { n: d });
  }
  function dueLabel(it, now) {
    if (!it) return "";
    if (!it.solved) return word("review_wrong_label");
    return it.due <= now ? word("review_due_label") : word("review_next_label", { when: inDays(it.due - now) });
  }
  // The queue is made once per visit, so items stay put while they are answered.
  function startReview() {
    var queue = R.queue(Date.now()), modules = [], waiting = 0;
    queue.forEach(it => { var m = it.key.split("/")[0]; if (modules.indexOf(m) < 0) modules.push(m); });
    var shown = () => {
      var box = document.createElement("template"), list = $("[data-review-list]", reviewPage), bank = window.CRESCU_REVIEW || {};
      box.innerHTML = modules.map(m => has(bank, m) ? bank[m] : "").join("");
      queue.forEach(it => {
        var li = $$(".review-item", box.content).find(x => x.dataset.lesson === it.key && x.dataset.reviewExercise === it.id);
        if (li) { list.appendChild(li); R.bind($(".exercise", li)); }
      });
      $$("[data-needs-js]", list).forEach(el => { el.hidden = false; });
      $$("[data-action=retry]", list).forEach(b => { b.hidden = true; });
      renderReview();
    };
    if (!modules.length) return renderReview();
    modules.forEach(m => {
      var sc = document.createElement("script");
      waiting++;
      sc.src = R.ROOT + "review/" + encodeURIComponent(m) + ".js";
      sc.onload = sc.onerror = () => { if (--waiting === 0) shown(); };
      document.head.appendChild(sc);
    });
  }
  function renderReview() {
    var now = Date.now(), queue = R.queue(now), items = R.items();
    var lis = $$(".review-item", reviewPage);
    lis.forEach(li => {
      var it = items.find(i => i.key === li.dataset.lesson && i.id === li.dataset.reviewExercise), label = $("[data-review-due]", li);
      if (label) label.textContent = dueLabel(it, now);
    });
    var wrong = queue.filter(i => !i.solved).length, due = queue.length - wrong, shown = lis.filter(li => !li.hidden).length;
    var next = items.filter(i => i.solved && i.due > now).sort((a, b) => a.due - b.due)[0];
    var st = $("[data-review-status]", reviewPage);
    var n = queue.length, says = [];
    if (n) says.push(word(n === 1 ? "review_queue_one" : "review_queue_other", { n: n, wrong: wrong, due: due }));
    else {
      says.push(word(shown ? "review_all_done" : "review_nothing"));
      if (next) says.push(word("review_next_due", { when: inDays(next.due - now) }));
      else if (!items.length) says.push(word("review_comes_back"));
    }
    st.textContent = says.join(" ");
  }

  document.addEventListener("crescu:attempt", renderReview);
  startReview();
})();
