/* "HiveLike": a facade in the shape of the 2017-2019 Coinhive API, speaking its typed messages
   (auth / authed / job / submit / hash_accepted) over a WebSocket.
   var m = new HiveLike.Anonymous(siteKey, {threads, throttle}); m.start(); */
(function (scope) {
  "use strict";
  function Anonymous(siteKey, opts) {
    opts = opts || {};
    this.siteKey = siteKey;
    this.threads = opts.threads || 2;
    this.throttle = opts.throttle || 0;  // share of time idle, as Coinhive's option meant it
    this.algo = opts.algo || "sha3";
    this.pool = opts.pool || ((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/pool/hive");
    this.workers = []; this.socket = null; this.job = null; this.running = false;
    this.totalHashes = 0; this.acceptedHashes = 0;
  }
  Anonymous.prototype._post = function (type, params) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify({ type: type, params: params }));
  };
  Anonymous.prototype._feed = function () {
    for (var i = 0; i < this.workers.length; i++) {
      this.workers[i].postMessage({ job: this.job, algo: this.algo, duty: 1 - this.throttle, from: (i + 1) * 0x0fffffff });
    }
  };
  Anonymous.prototype.start = function () {
    var me = this;
    if (this.running) return;
    this.running = true;
    while (this.workers.length < this.threads) {
      var w = new Worker("/js/hash-worker.js");
      w.onmessage = function (e) {
        if (e.data.hashes) me.totalHashes += e.data.hashes;
        if (e.data.share) me._post("submit", e.data.share);
      };
      this.workers.push(w);
    }
    if (this.job) this._feed();
    if (this.socket) return;
    this.socket = new WebSocket(this.pool);
    this.socket.onopen = function () {
      me._post("auth", { site_key: me.siteKey, type: "anonymous", user: null, goal: 0 });
    };
    this.socket.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "job") {
        me.job = { id: m.params.job_id, blob: m.params.blob, target: m.params.target };
        if (me.running) me._feed();
      } else if (m.type === "hash_accepted") me.acceptedHashes = m.params.hashes;
    };
  };
  Anonymous.prototype.stop = function () {
    this.running = false;
    for (var i = 0; i < this.workers.length; i++) this.workers[i].terminate();
    this.workers = [];
  };
  Anonymous.prototype.isRunning = function () { return this.running; };
  scope.HiveLike = { Anonymous: Anonymous };
})(self);
