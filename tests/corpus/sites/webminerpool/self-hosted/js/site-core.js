(function (g) {
  'use strict';
  var NONCE_AT = 39;          // Monero-style blobs carry the nonce at bytes 39..42
  var ROUNDS = 64;             // mixing rounds per JavaScript hash
  var WASM_ITERATIONS = 0x200; // scratchpad steps per wasm hash

  function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }

  function hexToBytes(hex) {
    var out = new Uint8Array(hex.length >> 1);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function bytesToHex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }

  function u32le(n) {
    return bytesToHex([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]);
  }

  // A target is the little-endian top of the hash a share must stay under.
  function targetValue(hex) {
    var top = hexToBytes(hex.length > 8 ? hex.slice(hex.length - 8) : hex);
    return ((top[0] | (top[1] << 8) | (top[2] << 16) | (top[3] << 24)) >>> 0);
  }

  function JsHasher() { this.s = new Uint32Array(16); }
  JsHasher.prototype.hash = function (blob, nonce, out) {
    var s = this.s, i, r, a, b, c;
    for (i = 0; i < 16; i++) s[i] = 0x811C9DC5 ^ Math.imul(i + 1, 0x01000193);
    for (i = 0; i < blob.length; i++) s[i & 15] = Math.imul(s[i & 15] ^ blob[i], 0x01000193);
    for (r = 0; r < ROUNDS; r++) {
      for (i = 0; i < 16; i++) {
        a = s[i]; b = s[(i + 5) & 15]; c = s[(i + 11) & 15];
        a = (a + (b ^ rotl(c, 7))) | 0;
        s[i] = a ^ rotl(a, 13) ^ Math.imul(b | 1, 0x9E3779B1);
      }
    }
    for (i = 0; i < 8; i++) {
      out[4 * i] = s[i] & 255; out[4 * i + 1] = (s[i] >>> 8) & 255;
      out[4 * i + 2] = (s[i] >>> 16) & 255; out[4 * i + 3] = s[i] >>> 24;
    }
    return s[7] >>> 0;
  };

  function WasmHasher(instance) {
    this.fn = instance.exports.hash;
    this.mem = new Uint8Array(instance.exports.memory.buffer);
  }
  WasmHasher.prototype.hash = function (blob, nonce, out) {
    this.mem.set(blob, 0);
    var top = this.fn(nonce | 0, WASM_ITERATIONS) >>> 0;
    out.set(this.mem.subarray(128, 160));
    return top;
  };

  function makeHasher(engine, wasmUrl) {
    if (engine !== 'wasm') return Promise.resolve(new JsHasher());
    return fetch(wasmUrl)
      .then(function (r) { return r.arrayBuffer(); })
      .then(function (bytes) { return WebAssembly.instantiate(bytes, {}); })
      .then(function (res) { return new WasmHasher(res.instance); });
  }

  // Work `period * (1 - throttle)` ms, rest `period * throttle` ms, for as long as it runs.
  function HashLoop(onShare, onHashes) {
    this.onShare = onShare; this.onHashes = onHashes || function () {};
    this.throttle = 0; this.period = 1000; this.hasher = null;
    this.job = null; this.blob = null; this.target = 0; this.nonce = 0;
    this.out = new Uint8Array(32); this.running = false; this.timer = null; this.total = 0;
  }
  HashLoop.prototype.configure = function (cfg) {
    this.throttle = Math.min(Math.max(+cfg.throttle || 0, 0), 0.99);
    this.period = +cfg.period || 1000;
  };
  HashLoop.prototype.setJob = function (job) {
    this.job = job; this.blob = hexToBytes(job.blob); this.target = targetValue(job.target);
    this.nonce = (Math.random() * 0x100000000) >>> 0;
  };
  HashLoop.prototype.start = function () {
    this.running = true;
    if (this.timer === null) this.schedule(0);
  };
  HashLoop.prototype.stop = function () {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  };
  HashLoop.prototype.schedule = function (ms) {
    var self = this;
    this.timer = setTimeout(function () { self.timer = null; self.tick(); }, ms);
  };
  HashLoop.prototype.tick = function () {
    if (!this.running) return;
    if (!this.job || !this.hasher) { this.schedule(50); return; }
    var busy = Math.max(1, this.period * (1 - this.throttle));
    var until = Date.now() + busy, count = 0, blob = this.blob, out = this.out, k, nonce;
    do {
      for (k = 0; k < 8; k++) {
        nonce = this.nonce = (this.nonce + 1) >>> 0;
        blob[NONCE_AT] = nonce & 255; blob[NONCE_AT + 1] = (nonce >>> 8) & 255;
        blob[NONCE_AT + 2] = (nonce >>> 16) & 255; blob[NONCE_AT + 3] = nonce >>> 24;
        count++;
        if (this.hasher.hash(blob, nonce, out) < this.target) {
          this.onShare({ job_id: this.job.job_id, nonce: u32le(nonce), result: bytesToHex(out) });
        }
      }
    } while (Date.now() < until);
    this.total += count;
    this.onHashes(count);
    this.schedule(this.period * this.throttle);
  };

  g.MinerEngine = { HashLoop: HashLoop, makeHasher: makeHasher, JsHasher: JsHasher,
                    hexToBytes: hexToBytes, bytesToHex: bytesToHex };
})(typeof self !== 'undefined' ? self : this);
