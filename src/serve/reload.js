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
  function onState(state) {
    if (state.error) {
      showError(state.error);
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
