/* MinerGuard (corpus code): blocks browser miners by domain, script name and API name, the way
   NoCoin-style lists and anti-miner plugins do. It runs no mining and hashes nothing. */
var MinerGuard = (function () {
  var DOMAINS = [
    "coinhive.com", "coin-hive.com", "authedmine.com", "crypto-loot.com", "cryptoloot.pro",
    "statdynamic.com", "reauthenticator.com", "webmine.pro", "webminepool.com", "webminerpool.com",
    "hostingcloud.racing", "coinimp.com", "deepool.net", "deepc.cc", "load.jsecoin.com",
    "server.jsecoin.com", "crypto-webminer.com", "minero.cc", "cryptonight.pro", "moneroocean.stream"
  ];
  var SCRIPT_NAMES = [
    "coinhive.min.js", "authedmine.min.js", "crypta.js", "crlt.js", "deepMiner.min.js", "deepMiner.js",
    "webmr.js", "base.js?wmp", "mmo.js", "gustav.js", "cryptonight.wasm", "cryptonight-asmjs.min.js", "cn.js"
  ];
  var API_NAMES = [
    "CoinHive.Anonymous", "CoinHive.User", "CoinHive.Token", "CRLT.Anonymous", "CryptoLoot.Anonymous",
    "deepMiner.Init", "deepMiner.Anonymous", "WMP.Anonymous", "WMP.User", "Client.Anonymous",
    "startMining", "PerfektStart", "throttleMiner"
  ];
  var STRATUM_WORDS = ['"type":"auth"', '"type":"submit"', '"identifier":"handshake"', '"method":"login"'];
  var blocked = [];
  function bad(url) {
    var u = String(url).toLowerCase();
    return DOMAINS.some(function (d) { return u.indexOf(d) >= 0; }) ||
      SCRIPT_NAMES.some(function (n) { return u.indexOf(n.toLowerCase()) >= 0; });
  }
  var NativeSocket = window.WebSocket, NativeWorker = window.Worker;
  window.WebSocket = function (url, protocols) {
    if (bad(url)) { blocked.push(String(url)); throw new Error("MinerGuard: blocked " + url); }
    var ws = protocols ? new NativeSocket(url, protocols) : new NativeSocket(url);
    var send = ws.send.bind(ws);
    ws.send = function (data) {
      if (typeof data === "string" && STRATUM_WORDS.some(function (w) { return data.indexOf(w) >= 0; })) { ws.close(); return; }
      send(data);
    };
    return ws;
  };
  window.WebSocket.prototype = NativeSocket.prototype;
  window.Worker = function (url, opts) {
    if (bad(url)) { blocked.push(String(url)); throw new Error("MinerGuard: blocked worker " + url); }
    return new NativeWorker(url, opts);
  };
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) {
        if (n.tagName === "SCRIPT" && ((n.src && bad(n.src)) || API_NAMES.some(function (a) { return (n.textContent || "").indexOf(a) >= 0; }))) {
          blocked.push(n.src || "inline script"); n.type = "text/blocked"; n.remove();
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  return {
    rules: function () { return DOMAINS.length + SCRIPT_NAMES.length + API_NAMES.length; },
    blocked: function () { return blocked.slice(); }
  };
})();
