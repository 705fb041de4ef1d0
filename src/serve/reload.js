// crescu serve: live reload and the build-error overlay. Injected into HTML responses by
// the dev server only; `crescu build` output never contains it.
(function () {
  "use strict";
  var pageVersion = window.__crescuVersion;
  var overlay = null;
  function showError(message) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "crescu-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;" +
        "background:rgba(20,20,24,.94);color:#f5f5f5;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace";
      var title = document.createElement("p");
      title.style.cssText = "font:bold 16px system-ui,sans-serif;color:#ff8a80;margin:0 0 1em";
      title.textContent = "The course does not build. The last good version is still served.";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      overlay.appendChild(title);
      overlay.appendChild(pre);
      document.body.appendChild(overlay);
    }
    overlay.lastChild.textContent = message;
  }
  function hideError() {
    if (overlay) overlay.remove();
    overlay = null;
  }
  function onState(event) {
    var state = JSON.parse(event.data);
    if (state.error) {
      showError(state.error);
    } else if (state.version !== pageVersion) {
      location.reload();
    } else {
      hideError();
    }
  }
  var events = new EventSource("/__crescu/events");
  events.addEventListener("state", onState);
  events.addEventListener("reload", onState);
  events.addEventListener("build-error", onState);
})();
