// Fern & Flint storefront: basket badge and opening hours.
(function () {
  var hours = {mon: "9-18", sat: "9-14"};
  window.ffHours = function (day) { return hours[day] || "closed"; };
  document.addEventListener("DOMContentLoaded", function () {
    var badge = document.querySelector("#basket");
    if (badge) badge.textContent = String(Number(localStorage.basket || 0));
  });
})();
