// The report button under article images: posts the form with the CSRF cookie's token and
// announces the answer in the form's live region, without reloading the page. Pages are cached
// whole, so the token comes from the csrftoken cookie, never from the HTML.
(function () {
  "use strict";

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  function announce(form, text, status) {
    var live = form.querySelector(".report-result");
    live.textContent = text;
    live.dataset.status = status;
  }

  function submit(event) {
    var form = event.target;
    if (!form.matches("[data-report-form]")) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    // A page served from the cache sets no cookie: ask for the CSRF cookie first.
    var ready = cookie("csrftoken") ? Promise.resolve() :
      fetch("/csrf-cookie", {credentials: "same-origin"});
    ready.then(function () {
      return fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: {"X-CSRFToken": cookie("csrftoken"), "Accept": "application/json"}
      });
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      announce(form, data.message || "", data.status || "error");
      // A reader may try again after a refusal; a counted report is final.
      if (data.status !== "reported" && data.status !== "blocked" &&
          data.status !== "already_reported") button.disabled = false;
    }).catch(function () {
      announce(form, form.dataset.errorMessage || "…", "error");
      button.disabled = false;
    });
  }

  document.addEventListener("submit", submit);
})();
