/* Harbour Lane Coffee: a tiny first-party page-view counter. It only measures, never mines. */
(function () {
  'use strict';
  var views = 0;
  try {
    views = (parseInt(localStorage.getItem('hl-views') || '0', 10) || 0) + 1;
    localStorage.setItem('hl-views', String(views));
  } catch (e) { /* storage may be disabled; counting is best effort */ }
  document.addEventListener('DOMContentLoaded', function () {
    var year = document.getElementById('year');
    if (year) year.textContent = String(new Date().getFullYear());
    // The hit is the query string: the server's access log is the analytics.
    fetch('/static/hit.json?p=' + encodeURIComponent(location.pathname) + '&n=' + views,
          {keepalive: true}).catch(function () { /* analytics never breaks the page */ });
  });
})();
