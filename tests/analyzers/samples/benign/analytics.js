// Sample written for minerscan's tests: a page-view analytics snippet.
(function (w, d) {
    var queue = w.metricsQueue = w.metricsQueue || [];
    var session = new Tracker.User('0f9e8d7c6b5a4f3e2d1c', { sampleRate: 50, anonymizeIp: true }).start();
    function send(event, data) {
        var payload = JSON.stringify({ event: event, data: data, session: session.id, ts: Date.now() });
        if (navigator.sendBeacon) { navigator.sendBeacon('/collect', payload); }
        else { fetch('/collect', { method: 'POST', body: payload, keepalive: true }); }
    }
    send('pageview', { path: d.location.pathname, title: d.title });
    queue.forEach(function (item) { send(item[0], item[1]); });
    d.addEventListener('click', function (e) {
        if (e.target.closest('a')) { send('click', { href: e.target.closest('a').href }); }
    });
})(window, document);
