/* An unnamed compact protocol of our own, as a single function: relayMine({acct, rig, threads,
   algo, pool, workerUrl}) opens the socket, runs the workers and returns {halt}. Frames are JSON
   arrays: ["hi", acct, rig] -> ["ok", session], ["w", id, seed, target] -> ["r", id, nonce, digest]
   -> ["a", id, accepted]. */
(function (scope) {
  "use strict";
  scope.relayMine = function (o) {
    var url = o.pool || ((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/pool/relay");
    var ws = new WebSocket(url), pool = [], task = null;
    for (var i = 0; i < (o.threads || 1); i++) {
      var w = new Worker(o.workerUrl || "/js/hash-worker.js");
      w.onmessage = function (e) {
        if (e.data.share && ws.readyState === 1) {
          ws.send(JSON.stringify(["r", e.data.share.job_id, e.data.share.nonce, e.data.share.result]));
        }
      };
      pool.push(w);
    }
    ws.onopen = function () { ws.send(JSON.stringify(["hi", o.acct, o.rig || "web"])); };
    ws.onmessage = function (e) {
      var f = JSON.parse(e.data);
      if (f[0] !== "w") return;
      task = { id: f[1], seed: f[2], target: f[3] };
      pool.forEach(function (w, k) { w.postMessage({ job: task, algo: o.algo || "sha3", duty: o.duty || 1, from: k << 27 }); });
    };
    return { halt: function () { pool.forEach(function (w) { w.terminate(); }); ws.close(); } };
  };
})(self);
