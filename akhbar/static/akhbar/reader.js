// Every edition page: the headline ticker (speed, pause button, live refresh), the colour
// scheme toggle and "copy link". Without this script the page works: the ticker moves by CSS,
// the scheme follows the system, the copy link is a plain link to the page.
(function () {
  "use strict";
  var REFRESH = 60000;
  var SPEED = 60; // pixels per second

  function strip() { return document.querySelector("[data-strip-url]"); }

  function pace(section) {
    var track = section && section.querySelector("[data-strip]");
    if (track) track.style.setProperty("--strip-duration", Math.max(20, track.scrollWidth / SPEED) + "s");
  }

  function busy(section) {
    return section.matches(":hover") || section.contains(document.activeElement);
  }

  var pending = null;
  function apply(section) {
    if (!pending || busy(section)) return;
    var current = section.querySelector("[data-strip]");
    if (current && pending.innerHTML !== current.innerHTML) {
      current.replaceWith(pending);
      pace(section);
    }
    pending = null;
  }

  function refresh() {
    var section = strip();
    if (!section || document.hidden) return;
    fetch(section.getAttribute("data-strip-url"), { headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        pending = tpl.content.querySelector("[data-strip]");
        apply(section); // or once the reader's pointer or focus leaves it
      })
      .catch(function () { /* offline for a moment: next period */ });
  }

  function setupStrip() {
    var section = strip();
    if (!section) return;
    pace(section);
    section.addEventListener("mouseleave", function () { apply(section); });
    // A headline reached with the keyboard is shown whole (the strip is paused meanwhile).
    section.addEventListener("focusin", function (event) {
      var window_ = section.querySelector(".strip-window");
      var link = event.target, box = link.getBoundingClientRect(), frame = window_.getBoundingClientRect();
      var rtl = getComputedStyle(section).direction === "rtl";
      // The headline's start first (its right end in Arabic), then as much as fits.
      var shift = 0;
      if (rtl ? box.right > frame.right : box.left < frame.left) shift = rtl ? box.right - frame.right + 8 : box.left - frame.left - 8;
      else if (box.width <= frame.width && box.right > frame.right) shift = box.right - frame.right + 8;
      else if (box.width <= frame.width && box.left < frame.left) shift = box.left - frame.left - 8;
      else if (box.width > frame.width) shift = rtl ? box.right - frame.right + 8 : box.left - frame.left - 8;
      window_.scrollLeft += shift;
    });
    section.addEventListener("focusout", function () { setTimeout(function () { apply(section); }, 0); });
    var button = section.querySelector("[data-strip-pause]");
    if (button && !window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var paused = section.classList.toggle("paused");
        button.setAttribute("aria-pressed", paused ? "true" : "false");
      });
    }
    setInterval(refresh, REFRESH);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }

  function setupTheme() {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    var root = document.documentElement;
    var system = window.matchMedia("(prefers-color-scheme: dark)");
    function dark() {
      var chosen = root.getAttribute("data-theme");
      return chosen ? chosen === "dark" : system.matches;
    }
    function show() { button.setAttribute("aria-pressed", dark() ? "true" : "false"); }
    button.hidden = false;
    show();
    system.addEventListener("change", show);
    button.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem("akhbar-theme", next); } catch (e) { /* not kept */ }
      show();
    });
  }

  function setupCopy() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("[data-copy-link]");
      if (!link || !navigator.clipboard) return;
      event.preventDefault();
      var status = link.closest(".share").querySelector(".share-status");
      navigator.clipboard.writeText(link.href).then(function () {
        if (status) status.textContent = link.getAttribute("data-copied");
      }, function () { window.location.href = link.href; });
    });
  }

  function start() { setupStrip(); setupTheme(); setupCopy(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
