// "Most read": a click on a link to the source is counted by a beacon to its data-read URL.
// Without this script the link's ping attribute does it (where the browser sends pings);
// with it, the ping is dropped so that one click counts once. The link stays a plain link.
(function () {
  "use strict";
  if (!navigator.sendBeacon) return;
  var links = document.querySelectorAll("a[data-read]");
  for (var i = 0; i < links.length; i++) links[i].removeAttribute("ping");
  function count(event) {
    if (event.type === "auxclick" && event.button !== 1) return;
    var link = event.target.closest && event.target.closest("a[data-read]");
    if (link) navigator.sendBeacon(link.getAttribute("data-read"));
  }
  document.addEventListener("click", count, true);
  document.addEventListener("auxclick", count, true);
})();
