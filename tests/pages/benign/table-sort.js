// A benign script for comparison: sorts a table by the clicked column, prints today's date.
(function () {
  'use strict';
  var table = document.getElementById('plots');
  table.querySelectorAll('th').forEach(function (th, column) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent, y = b.cells[column].textContent;
        return isNaN(x) ? x.localeCompare(y) : Number(x) - Number(y);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  document.getElementById('updated').textContent = new Date().toDateString();
})();
