// crescu serve: live reload and the build-error overlay. Injected into HTML responses by
// the dev server only; `crescu build` output never contains it.
(function () {
  "use strict";
  var pageVersion = window.__crescuVersion;
  var overlay = null;
  var shownVersion = 0;
  var KEY = "crescu-dismissed";
  // The failed build whose report the author dismissed, for this tab: following links on
  // the last good site does not bring the same report back, the next failure does.
  function dismissed() {
    try {
      return Number(sessionStorage.getItem(KEY));
    } catch (e) {
      return 0;
    }
  }
  // Themes style `code`, `pre` and `section`: reset what would clash with the overlay.
  var PLAIN = "background:none;border:0;padding:0;box-shadow:none;";
  function el(tag, css, text) {
    var e = document.createElement(tag);
    e.style.cssText = PLAIN + css;
    if (text) e.textContent = text;
    return e;
  }
  function showError(state) {
    if (overlay && shownVersion === state.version) return;
    hideError();
    if (state.version === dismissed()) return;
    shownVersion = state.version;
    // Opaque, and styled inline: the page's own CSS must neither show through nor apply.
    overlay = el("div",
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;box-sizing:border-box;" +
      "text-align:left;background:#141418;color:#f5f5f5;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace");
    overlay.id = "crescu-error-overlay";
    overlay.setAttribute("role", "alert");
    var head = el("div", "display:flex;gap:1em;justify-content:space-between;align-items:flex-start;margin:0 0 1em");
    head.appendChild(el("p", "font:bold 16px system-ui,sans-serif;color:#ff8a80;margin:0",
      "The course does not build. The last good version is still served."));
    var close = el("button",
      "font:14px system-ui,sans-serif;padding:.3em 1em;border:1px solid #999;border-radius:4px;" +
      "background:#2a2a30;color:#f5f5f5;cursor:pointer;flex:none", "Dismiss");
    close.type = "button";
    close.id = "crescu-overlay-dismiss";
    close.title = "Hide this report to see the last good page; the next failed build shows again";
    close.onclick = function () {
      try {
        sessionStorage.setItem(KEY, String(state.version));
      } catch (e) {}
      hideError();
    };
    head.appendChild(close);
    overlay.appendChild(head);
    (state.problems || []).forEach(function (p) {
      var warn = p.severity === "warning";
      var box = el("section", "margin:0 0 1em;padding:.5em 1em;border-left:4px solid " +
        (warn ? "#ffca28;background:#29251a" : "#ff5252;background:#2e1b1d"));
      box.className = "crescu-problem crescu-" + (warn ? "warning" : "error");
      box.appendChild(el("div", "font-weight:bold;color:" + (warn ? "#ffe082" : "#ff8a80"), p.headline));
      // One click selects the whole location, ready to copy into an editor.
      var at = el("code", "display:inline-block;margin:.2em 0;color:#80d8ff;user-select:all;-webkit-user-select:all;font:inherit", p.location);
      at.className = "crescu-location";
      box.appendChild(at);
      if (p.snippet) box.appendChild(el("pre", "white-space:pre-wrap;margin:0;font:inherit", p.snippet));
      overlay.appendChild(box);
    });
    // The terminal's report whole when there is no list, else its last line (the count).
    var report = state.problems && state.problems.length ? state.error.trim().split("\n").pop() : state.error;
    overlay.appendChild(el("pre", "white-space:pre-wrap;margin:0;font:inherit", report));
    document.body.appendChild(overlay);
  }
  function hideError() {
    if (overlay) overlay.remove();
    overlay = null;
  }
  function onState(state) {
    if (state.error) {
      showError(state);
    } else if (state.version !== pageVersion) {
      location.reload();
    } else {
      hideError();
    }
  }
  function listen(handle) {
    var events = new EventSource("/__crescu/events");
    ["state", "reload", "build-error"].forEach(function (name) {
      events.addEventListener(name, function (event) {
        handle(JSON.parse(event.data));
      });
    });
  }
  // Browsers open at most six connections to a server, and a stream holds one for as long
  // as its page is open: so all tabs share one. The tab holding the lock has the stream
  // and passes each state on; when it closes, the lock and the stream go to another tab.
  if (!(navigator.locks && window.BroadcastChannel)) {
    listen(onState);
    return;
  }
  var channel = new BroadcastChannel("crescu-reload");
  var latest = null;
  var leading = false;
  channel.onmessage = function (message) {
    var data = message.data || {};
    if (data.state) {
      onState(data.state);
    } else if (data.hello && leading && latest) {
      // A page just opened: it needs the latest state to know if it is already old.
      channel.postMessage({ state: latest });
    }
  };
  navigator.locks
    .request("crescu-reload", function () {
      leading = true;
      listen(function (state) {
        latest = state;
        channel.postMessage({ state: state });
        onState(state);
      });
      // Held until this page goes away.
      return new Promise(function () {});
    })
    .catch(function () {
      listen(onState);
    });
  channel.postMessage({ hello: true });
})();
