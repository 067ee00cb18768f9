// wendu console: small progressive enhancements, no framework and no CDN.
// Elements with data-refresh="URL" and data-every="SECONDS" reload their inner HTML from URL.
(function () {
  function refresh(el) {
    fetch(el.dataset.refresh, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { el.innerHTML = html; } })
      .catch(function () { /* offline for a moment: try again on the next tick */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(function (el) {
      var every = parseFloat(el.dataset.every || "5") * 1000;
      setInterval(function () { refresh(el); }, every);
    });
    // A suggested answer fills the reply box; the agent still reads and sends it.
    document.querySelectorAll("[data-fill]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.dataset.fill);
        if (target) { target.value = button.dataset.text; target.focus(); }
      });
    });
  });
})();
