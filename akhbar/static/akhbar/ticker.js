// Refresh the "latest news" ticker every minute without reloading the page.
(function () {
  "use strict";
  var PERIOD = 60000;
  function refresh() {
    var section = document.querySelector("[data-ticker-url]");
    if (!section || document.hidden) return;
    fetch(section.getAttribute("data-ticker-url"), { headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var fresh = tpl.content.querySelector("[data-ticker]");
        var current = section.querySelector("[data-ticker]");
        if (fresh && current && fresh.innerHTML !== current.innerHTML) current.replaceWith(fresh);
      })
      .catch(function () { /* offline for a moment: try again next period */ });
  }
  setInterval(refresh, PERIOD);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
