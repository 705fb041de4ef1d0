// Video embeds: the player (an iframe from the video host) is made only when the learner
// clicks, so that opening a lesson sends the host nothing.
(function () {
  "use strict";
  document.querySelectorAll(".video-embed[data-player]").forEach(function (box) {
    var button = box.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = box.getAttribute("data-player");
      frame.title = box.getAttribute("data-video-title") || window.crescuWord("video");
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.allowFullscreen = true;
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      box.replaceChild(frame, button);
      frame.focus();
    });
  });
})();
