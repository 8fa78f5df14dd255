/* Derive an encryption key and an authentication key with PBKDF2-HMAC-SHA256 (a deliberately
   slow hash) in two workers, then stop. Corpus code. */
(function () {
  var salt = "keyring:" + location.host, done = 0, state = document.getElementById("state");
  ["enc", "auth"].forEach(function (purpose) {
    var w = new Worker("/tuned/password-hashing/js/pbkdf2-worker.js");
    w.onmessage = function (e) {
      w.terminate();
      done++;
      state.textContent = done + " / 2" + (done === 2 ? " - vault unlocked" : "");
      if (done === 2) window.__done = true;
    };
    w.postMessage({ password: "correct horse battery staple", salt: salt + ":" + purpose, iterations: 200000 });
  });
})();
