/* Proof-of-work anti-bot widget (corpus code): one puzzle per page load, solved in a worker,
   one verification POST, then the worker is gone. */
(function () {
  var API = "%%HTTP:captcha%%/v1";
  var box = document.getElementById("pow-widget"), state = document.getElementById("pow-state");
  var sitekey = box.getAttribute("data-sitekey");
  fetch(API + "/puzzle?sitekey=" + encodeURIComponent(sitekey))
    .then(function (r) { return r.json(); })
    .then(function (puzzle) {
      state.textContent = "checking you are not a robot…";
      var solver = new Worker("/tuned/captcha-pow/widget/solver.js"), t0 = Date.now();
      solver.onmessage = function (e) {
        if (e.data.progress !== undefined) { state.textContent = "checking… " + e.data.progress + "%"; return; }
        solver.terminate();
        return fetch(API + "/verify", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sitekey: sitekey, puzzle: puzzle.puzzle, solutions: e.data.solutions })
        }).then(function (r) { return r.json(); }).then(function (res) {
          document.getElementById("pow-token").value = res.token;
          document.getElementById("submit").disabled = !res.success;
          state.textContent = res.success ? "verified in " + ((Date.now() - t0) / 1000).toFixed(1) + " s" : "failed";
          window.__done = true;
        });
      };
      solver.postMessage(puzzle);
    })
    .catch(function () { state.textContent = "unavailable"; window.__done = true; });
})();
