(function (g) {
  'use strict';

  var scriptBase = (function () {
    var s = g.document && g.document.currentScript;
    if (s && s.src) return s.src.replace(/[^\/]*$/, '');
    return (g.location ? g.location.origin : '') + '/static/';
  })();

  // How each pool dialect logs in, submits a share and hands out jobs.
  var Dialects = {
    stratum: {
      login: function (m) {
        return { id: m.nextId(), jsonrpc: '2.0', method: 'login',
                 params: { login: m.wallet, pass: 'x', agent: 'minerscan-demo-miner/1.0' } };
      },
      submit: function (m, s) {
        return { id: m.nextId(), jsonrpc: '2.0', method: 'submit',
                 params: { id: m.session, job_id: s.job_id, nonce: s.nonce, result: s.result } };
      },
      read: function (m, msg) {
        if (msg.method === 'job') return msg.params;
        if (msg.result && msg.result.job) { m.session = msg.result.id; return msg.result.job; }
        if (msg.result && msg.result.status === 'OK') m.accepted++;
        return null;
      }
    },
    coinhive: {
      login: function (m) {
        return { type: 'auth', params: { site_key: m.siteKey, type: m.user ? 'user' : 'anonymous',
                                         user: m.user, goal: 0 } };
      },
      submit: function (m, s) {
        return { type: 'submit', params: { job_id: s.job_id, nonce: s.nonce, result: s.result } };
      },
      read: function (m, msg) {
        if (msg.type === 'job') return msg.params;
        if (msg.type === 'hash_accepted') m.accepted++;
        return null;
      }
    },
    webminerpool: {
      login: function (m) {
        return { identifier: 'handshake', pool: m.poolName, login: m.wallet, password: 'x',
                 userid: '', version: 7 };
      },
      submit: function (m, s) {
        return { identifier: 'solved', job_id: s.job_id, nonce: s.nonce, result: s.result };
      },
      read: function (m, msg) {
        if (msg.identifier === 'job') return msg;
        if (msg.identifier === 'hashsolved') m.accepted++;
        return null;
      }
    },
    line: {
      login: function (m) { return 'LOGIN ' + m.wallet; },
      submit: function (m, s) { return 'SUBMIT,' + s.job_id + ',' + s.nonce; },
      read: function (m, text) {
        if (typeof text !== 'string') return null;
        var f = text.split(',');
        if (f[0] === 'JOB') return { job_id: f[1], blob: f[2], target: f[3] };
        if (text === 'GOOD') m.accepted++;
        return null;
      }
    }
  };

  function Miner(siteKey, opts) {
    if (!(this instanceof Miner)) return new Miner(siteKey, opts);
    opts = opts || {};
    var cores = (g.navigator && g.navigator.hardwareConcurrency) || 2;
    this.siteKey = siteKey;
    this.user = opts.user || null;
    this.wallet = opts.wallet || siteKey;
    this.pool = opts.pool;
    this.poolName = opts.poolName || 'moneroocean.stream';
    this.dialect = Dialects[opts.dialect || 'stratum'];
    this.threads = opts.threads || Math.max(2, cores);
    this.throttle = opts.throttle || 0;
    this.period = opts.period || 1000;
    this.engine = opts.wasm ? 'wasm' : 'js';
    this.base = opts.base || scriptBase;
    this.workerUrl = opts.workerUrl || this.base + 'site-worker.js';
    this.wasmUrl = opts.wasmUrl || this.base + 'site.wasm';
    this.blobWorkers = !!opts.blobWorkers;
    this.inline = !!opts.inline;
    this.running = false; this.socket = null; this.job = null; this.session = null;
    this.workers = []; this.loop = null; this.msgId = 0;
    this.hashes = 0; this.accepted = 0; this.startedAt = 0;
  }

  Miner.prototype.nextId = function () { return ++this.msgId; };

  Miner.prototype.start = function () {
    if (this.running) return;
    this.running = true;
    this.startedAt = Date.now();
    this.connect();
    if (this.inline) this.startInline(); else this.spawnWorkers();
  };

  Miner.prototype.stop = function () {
    this.running = false;
    this.workers.forEach(function (w) { w.terminate(); });
    this.workers = [];
    if (this.loop) this.loop.stop();
    if (this.socket) this.socket.close();
  };

  Miner.prototype.isRunning = function () { return this.running; };
  Miner.prototype.getTotalHashes = function () { return this.hashes; };
  Miner.prototype.getAcceptedHashes = function () { return this.accepted; };
  Miner.prototype.getHashesPerSecond = function () {
    return this.hashes / Math.max(1, (Date.now() - this.startedAt) / 1000);
  };

  Miner.prototype.send = function (msg) {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    }
  };

  Miner.prototype.connect = function () {
    var self = this, ws = new WebSocket(this.pool);
    this.socket = ws;
    ws.onopen = function () { self.send(self.dialect.login(self)); };
    ws.onmessage = function (event) {
      var msg = event.data;
      try { msg = JSON.parse(event.data); } catch (e) { /* the line dialect is plain text */ }
      var job = msg && self.dialect.read(self, msg);
      if (job) self.dispatch(job);
    };
    ws.onclose = function () {
      if (self.running) setTimeout(function () { if (self.running) self.connect(); }, 2000);
    };
  };

  Miner.prototype.dispatch = function (job) {
    this.job = job;
    this.workers.forEach(function (w) { w.postMessage({ type: 'job', job: job }); });
    if (this.loop) this.loop.setJob(job);
  };

  Miner.prototype.onShare = function (share) {
    this.send(this.dialect.submit(this, share));
  };

  Miner.prototype.workerConfig = function () {
    return { type: 'config', throttle: this.throttle, period: this.period,
             engine: this.engine, wasmUrl: this.wasmUrl };
  };

  Miner.prototype.workerScriptUrl = function () {
    if (!this.blobWorkers) return Promise.resolve(this.workerUrl);
    var base = this.base;
    return fetch(this.workerUrl).then(function (r) { return r.text(); }).then(function (text) {
      var source = 'self.MINER_BASE = ' + JSON.stringify(base) + ';\n' + text;
      return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    });
  };

  Miner.prototype.spawnWorkers = function () {
    var self = this;
    this.workerScriptUrl().then(function (url) {
      for (var i = 0; i < self.threads && self.running; i++) {
        var w = new Worker(url);
        w.onmessage = function (event) {
          var msg = event.data;
          if (msg.type === 'share') self.onShare(msg.share);
          else if (msg.type === 'hashes') self.hashes += msg.count;
        };
        w.postMessage(self.workerConfig());
        if (self.job) w.postMessage({ type: 'job', job: self.job });
        self.workers.push(w);
      }
    });
  };

  Miner.prototype.startInline = function () {
    var self = this;
    if (!g.MinerEngine && g.importScripts) g.importScripts(this.base + 'site-core.js');
    this.loop = new g.MinerEngine.HashLoop(
      function (share) { self.onShare(share); },
      function (count) { self.hashes += count; });
    this.loop.configure({ throttle: this.throttle, period: this.period });
    if (this.job) this.loop.setJob(this.job);
    g.MinerEngine.makeHasher(this.engine, this.wasmUrl).then(function (hasher) {
      self.loop.hasher = hasher;
      self.loop.start();
    });
  };

  Miner.Anonymous = function (siteKey, opts) { return new Miner(siteKey, opts); };
  Miner.User = function (siteKey, user, opts) {
    opts = opts || {}; opts.user = user;
    return new Miner(siteKey, opts);
  };
  Miner.Dialects = Dialects;

  g.Miner = Miner;
})(typeof self !== 'undefined' ? self : this);
