/* Tidy Invoices' first-party analytics: queue events, send them in batches, keep a heartbeat
 * for time-on-page, and flush with sendBeacon when the page is hidden. */
var tidyStats = (function () {
  'use strict';
  var queue = [], session = Math.random().toString(36).slice(2), startedAt = Date.now();

  function track(name, props) {
    queue.push({ event: name, props: props || {}, session: session, at: Date.now() });
  }

  function flush(useBeacon) {
    if (!queue.length) return;
    var body = JSON.stringify({ events: queue.splice(0) });
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon('collect', body);
    } else {
      fetch('collect.json?batch=' + encodeURIComponent(body.length), { cache: 'no-store' })
        .catch(function () { /* analytics never breaks the page */ });
    }
  }

  setInterval(function () {
    track('heartbeat', { seconds: Math.round((Date.now() - startedAt) / 1000) });
    flush(false);
  }, 1000);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') flush(true);
  });
  // A beacon right away too, so even a bounce is counted.
  setTimeout(function () { track('engaged', {}); flush(true); }, 500);

  return { track: track, flush: flush };
})();
