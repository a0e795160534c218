// The reader's colour scheme, applied before the page is painted (a render-blocking script on
// purpose: a flash of the other scheme otherwise). Kept in localStorage, never in a cookie.
(function () {
  "use strict";
  try {
    var chosen = window.localStorage.getItem("akhbar-theme");
    if (chosen === "dark" || chosen === "light") document.documentElement.setAttribute("data-theme", chosen);
  } catch (e) { /* storage disabled: follow the system */ }
})();
