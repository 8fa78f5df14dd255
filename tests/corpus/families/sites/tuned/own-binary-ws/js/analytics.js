/* Own design (corpus): work and results as binary records [type u8][length u16 BE][payload]
   over a WebSocket. 0x01 hello, 0x10 work, 0x20 result, 0x30 ack. */
(function () {
  var ID = "rig-7f31", ENDPOINT = "%%WS:own-binary%%/b";
  var te = new TextEncoder(), lanes = [], sock, latest = null;

  function record(type, payload) {
    var out = new Uint8Array(3 + payload.length);
    out[0] = type; out[1] = payload.length >> 8; out[2] = payload.length & 255;
    out.set(payload, 3);
    return out;
  }
  function records(buf) {
    var b = new Uint8Array(buf), at = 0, list = [];
    while (at + 3 <= b.length) {
      var size = (b[at + 1] << 8) | b[at + 2];
      list.push({ type: b[at], body: b.subarray(at + 3, at + 3 + size) });
      at += 3 + size;
    }
    return list;
  }
  function open() {
    sock = new WebSocket(ENDPOINT);
    sock.binaryType = "arraybuffer";
    sock.onopen = function () { sock.send(record(0x01, te.encode(ID))); };
    sock.onmessage = function (ev) {
      records(ev.data).forEach(function (r) {
        if (r.type === 0x10) {
          latest = r.body.slice();
          lanes.forEach(function (w, i) { w.postMessage({ work: latest, lane: i, lanes: lanes.length }); });
        }
      });
    };
    sock.onclose = function () { setTimeout(open, 3000); };
  }
  function lane() {
    var w = new Worker("/tuned/own-binary-ws/js/tile-worker.js");
    w.onmessage = function (ev) { if (sock.readyState === 1) sock.send(record(0x20, new Uint8Array(ev.data))); };
    lanes.push(w);
    if (latest) w.postMessage({ work: latest, lane: lanes.length - 1, lanes: lanes.length });
  }
  open();
  var n = Math.min(2, navigator.hardwareConcurrency || 2);
  for (var i = 0; i < n; i++) lane();
})();
