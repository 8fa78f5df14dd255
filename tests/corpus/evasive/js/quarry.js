/* "Quarry": a miner facade speaking a Stratum-like JSON-RPC over a WebSocket.
   new Quarry.Miner(login, {threads, algo, pool, duty, rig}).start() */
(function (scope) {
  "use strict";
  function poolUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }
  function Miner(login, opts) {
    opts = opts || {};
    this.login = opts.rig ? login + "." + opts.rig : login;
    this.threads = opts.threads || 2;
    this.algo = opts.algo || "sha256";
    this.duty = opts.duty || 1;
    this.pool = opts.pool || poolUrl("/pool/stratum");
    this.workerUrl = opts.workerUrl || "/js/hash-worker.js";
    this.workers = []; this.ws = null; this.job = null; this.rpc = 1; this.session = "";
    this.hashes = 0; this.accepted = 0; this.paused = false;
  }
  Miner.prototype.send = function (method, params) {
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(JSON.stringify({ id: this.rpc++, jsonrpc: "2.0", method: method, params: params }));
    }
  };
  Miner.prototype.setJob = function (job) {
    this.job = { id: job.job_id, blob: job.blob, target: job.target };
    if (this.paused) return;
    for (var i = 0; i < this.workers.length; i++) {
      this.workers[i].postMessage({ job: this.job, algo: this.algo, duty: this.duty, from: i * 0x10000000 });
    }
  };
  Miner.prototype.start = function () {
    var self = this;
    if (this.ws) return;
    for (var i = 0; i < this.threads; i++) {
      var w = new Worker(this.workerUrl);
      w.onmessage = function (e) {
        if (e.data.hashes) self.hashes += e.data.hashes;
        if (e.data.share) {
          self.send("submit", { id: self.session, job_id: e.data.share.job_id,
                                nonce: e.data.share.nonce, result: e.data.share.result });
        }
      };
      this.workers.push(w);
    }
    this.ws = new WebSocket(this.pool);
    this.ws.onopen = function () {
      self.send("login", { login: self.login, pass: "x", agent: "quarry/1.3", algo: [self.algo] });
      self.keepalive = setInterval(function () { self.send("keepalived", { id: self.session }); }, 20000);
    };
    this.ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.result && m.result.job) { self.session = m.result.id; self.setJob(m.result.job); }
      else if (m.method === "job") self.setJob(m.params);
      else if (m.result && m.result.status === "OK") self.accepted++;
    };
    this.ws.onclose = function () { self.stop(); };
  };
  Miner.prototype.pause = function () {
    this.paused = true;
    for (var i = 0; i < this.workers.length; i++) this.workers[i].postMessage({ stop: true });
  };
  Miner.prototype.resume = function () {
    this.paused = false;
    if (this.job) this.setJob({ job_id: this.job.id, blob: this.job.blob, target: this.job.target });
  };
  Miner.prototype.stop = function () {
    clearInterval(this.keepalive);
    for (var i = 0; i < this.workers.length; i++) this.workers[i].terminate();
    this.workers = [];
    if (this.ws) { var ws = this.ws; this.ws = null; try { ws.close(); } catch (err) { /* closed */ } }
  };
  scope.Quarry = { Miner: Miner };
})(self);
