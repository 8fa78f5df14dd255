// Sample written for minerscan's tests: the content script of an anti-miner browser extension.
// It lists miner hosts, URL patterns, globals, API names and pool message names as strings,
// which is exactly what a family signature must not mistake for a miner.
(function () {
    'use strict';
    var BLOCKED_HOSTS = [
        'coinhive.com', 'coin-hive.com', 'authedmine.com', 'crypto-loot.com', 'cryptoloot.pro',
        'webminepool.com', 'webminerpool.com', 'load.jsecoin.com', 'jsecoin.com', 'coinimp.com',
        'minero.cc', 'coin-have.com', 'deepminer.net', 'ppoi.org', 'monerominer.rocks'
    ];
    var BLOCKED_URLS = [
        '*://coinhive.com/lib/*', '*://*.coinhive.com/lib*', '*://crypto-loot.com/lib/*',
        '*://load.jsecoin.com/*', '*://*/deepMiner.min.js', '*://*/deepMiner.js',
        '*://coinimp.com/scripts/*', '*://minero.cc/lib/*', '*://webminerpool.com/*'
    ];
    var MINER_GLOBALS = ['CoinHive', 'CRLT', 'deepMiner', 'CoinImp', 'Minero', 'CoinHave', 'WMP'];
    var MINER_FUNCTIONS = [
        'startMining', 'stopMining', 'throttleMiner', 'getHashesPerSecond', 'getTotalHashes',
        'getAcceptedHashes', 'setThrottle', 'setNumThreads', 'sendStack', 'receiveStack'
    ];
    var POOL_MESSAGES = [
        'login', 'job', 'submit', 'keepalived', 'auth', 'authed', 'hash_accepted', 'handshake',
        'solved', 'hashsolved', 'mining.subscribe', 'mining.submit'
    ];
    var MINER_TEXT = /cryptonight|coinhive|crypto-loot|webminerpool|jsecoin/i;

    function report(what) {
        chrome.runtime.sendMessage({ kind: 'blocked', what: what, page: location.href });
    }

    function isBlocked(host) {
        return BLOCKED_HOSTS.some(function (blocked) {
            return host === blocked || host.slice(-blocked.length - 1) === '.' + blocked;
        });
    }

    function looksLikePoolTraffic(data) {
        if (typeof data !== 'string' || data.charAt(0) !== '{') { return false; }
        var msg;
        try { msg = JSON.parse(data); } catch (e) { return false; }
        var name = msg.method || msg.type || msg.identifier;
        return POOL_MESSAGES.indexOf(name) >= 0;
    }

    var NativeSocket = window.WebSocket;
    window.WebSocket = function (url, protocols) {
        var host = new URL(url, location.href).hostname;
        if (isBlocked(host)) { report('socket to ' + host); throw new Error('blocked ' + host); }
        var socket = new NativeSocket(url, protocols);
        var send = socket.send;
        socket.send = function (data) {
            if (looksLikePoolTraffic(data)) { socket.close(); report('pool traffic to ' + host); return; }
            return send.call(this, data);
        };
        return socket;
    };

    MINER_GLOBALS.forEach(function (name) {
        Object.defineProperty(window, name, {
            configurable: false,
            get: function () { report(name); return undefined; },
            set: function () { report(name); }
        });
    });
    MINER_FUNCTIONS.forEach(function (name) {
        window[name] = function () { report(name + '() called'); };
    });

    new MutationObserver(function (records) {
        records.forEach(function (record) {
            record.addedNodes.forEach(function (node) {
                if (node.tagName !== 'SCRIPT') { return; }
                var src = node.src || '';
                if (BLOCKED_URLS.some(function (p) { return src.indexOf(p.split('/')[2]) >= 0; })
                        || MINER_TEXT.test(node.textContent || '')) {
                    node.remove();
                    report('script ' + (src || 'inline'));
                }
            });
        });
    }).observe(document.documentElement, { childList: true, subtree: true });
})();
