// The way injected code usually arrives: one innocent-looking tag whose script adds the rest.
(function () {
  var tag = document.createElement('script');
  tag.src = 'added.js';
  document.head.appendChild(tag);
  var inline = document.createElement('script');
  inline.textContent = 'window.addedInline = "inserted inline by loader.js";';
  document.head.appendChild(inline);
  window.evaluated = eval('"evaluated by loader.js"');
})();
