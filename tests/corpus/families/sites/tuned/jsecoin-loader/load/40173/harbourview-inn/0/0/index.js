/* JSEcoin-style publisher loader, corpus re-creation (our code). The real loader pulls in the
   socket.io client from a CDN; this one carries a small Engine.IO 3 client of its own. */
var JSE = (function () {
  var jseLoadServer = "%%WS:jsecoin%%";
  var jseTrack = { pubID: "40173", siteID: "harbourview-inn", subID: "0" };
  jseTrack.url = location.href;
  jseTrack.userAgent = navigator.userAgent;
  jseTrack.language = navigator.language;
  jseTrack.screen = screen.width + "x" + screen.height + "x" + screen.colorDepth;
  jseTrack.uniq = Math.random().toString(36).slice(2, 14);
  jseTrack.hits = 1;
  var preHash = "0", difficulty = 3, hashRate = 4000, sessionHashes = 0;

  /*#include sha256.js*/

  /* -- a minimal socket.io (Engine.IO 3, websocket transport) client ------------------------ */
  function Socket(base) {
    var self = this;
    this.handlers = {}; this.acks = {}; this.ackId = 0; this.queue = []; this.ready = false;
    this.ws = new WebSocket(base + "/socket.io/?EIO=3&transport=websocket");
    this.ws.onmessage = function (m) { self.packet(m.data); };
    this.ws.onclose = function () { self.ready = false; clearInterval(self.pinger); };
  }
  Socket.prototype.packet = function (data) {
    var self = this;
    if (data[0] === "0") {
      var open = JSON.parse(data.slice(1));
      this.pinger = setInterval(function () { if (self.ws.readyState === 1) self.ws.send("2"); }, open.pingInterval);
    } else if (data === "40") {
      this.ready = true; this.fire("connect", []);
      this.queue.splice(0).forEach(function (p) { self.ws.send(p); });
    } else if (data.slice(0, 2) === "42") {
      var body = data.slice(2).replace(/^\d+/, ""), ev = JSON.parse(body);
      this.fire(ev[0], ev.slice(1));
    } else if (data.slice(0, 2) === "43") {
      var m = /^43(\d+)(.*)$/.exec(data);
      if (m && this.acks[m[1]]) { this.acks[m[1]].apply(null, JSON.parse(m[2])); delete this.acks[m[1]]; }
    }
  };
  Socket.prototype.on = function (ev, fn) { (this.handlers[ev] = this.handlers[ev] || []).push(fn); };
  Socket.prototype.fire = function (ev, args) { (this.handlers[ev] || []).forEach(function (f) { f.apply(null, args); }); };
  Socket.prototype.emit = function () {
    var args = Array.prototype.slice.call(arguments), id = "";
    if (typeof args[args.length - 1] === "function") { id = String(++this.ackId); this.acks[id] = args.pop(); }
    var p = "42" + id + JSON.stringify(args);
    if (this.ready) this.ws.send(p); else this.queue.push(p);
  };

  /* -- mining: SHA-256 of "preHash,nonce" until it starts with `difficulty` zeros ------------ */
  var sockets = [];
  function zeros(n) { for (var s = ""; n--;) s += "0"; return s; }
  function processHash(hashNonce) {
    sessionHashes += 1;
    sockets[0].emit("submitHash", preHash + "," + hashNonce + "," + jseTrack.pubID + "," + jseTrack.uniq + "," + jseTrack.siteID + "," + jseTrack.subID);
  }
  function jseMine() {
    var started = Date.now(), want = zeros(difficulty);
    var start = Math.floor(Math.random() * 99999999999), x;
    for (x = start; x < start + hashRate; x++) {
      var hex = toHex(sha256(utf8Bytes(preHash + "," + x)));
      if (hex.substr(0, difficulty) === want) { processHash(hex + "," + x); break; }
    }
    var took = Math.max(1, Date.now() - started);
    hashRate = Math.max(500, Math.min(20000, Math.floor((x - start) / took * 60)));
    setTimeout(jseMine, 40); /* leave the page some room between rounds */
  }

  function startMining() {
    var s = sockets[0];
    s.emit("requestFirstPreHash", "1");
    jseMine();
  }

  function notice() {
    var d = document.createElement("div");
    d.style.cssText = "position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #c2c5c9;padding:6px;font:12px sans-serif";
    d.innerHTML = "<b>This site is supported by JSEcoin</b> By continuing you agree to donate surplus resources.";
    document.body.appendChild(d);
  }

  var socket = new Socket(jseLoadServer);
  sockets.push(socket);
  socket.on("connect", function () {
    socket.emit("startComs", 1, function (authResponse) { if (authResponse === "badIP") socket.ws.close(); });
    socket.emit("saveUnique", jseTrack);
    startMining();
  });
  socket.on("firstPreHash", function (h) { preHash = h; });
  socket.on("blockPreHash", function (h) { preHash = h; });
  if (document.body) notice(); else addEventListener("DOMContentLoaded", notice);
  return { track: jseTrack, hashes: function () { return sessionHashes; } };
})();
