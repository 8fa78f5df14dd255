// Sample written for minerscan's tests: a small jQuery-like DOM helper library.
(function (global) {
    function Query(selector) {
        this.nodes = Array.prototype.slice.call(document.querySelectorAll(selector));
    }
    Query.prototype.each = function (fn) { this.nodes.forEach(fn); return this; };
    Query.prototype.on = function (type, handler) {
        return this.each(function (node) { node.addEventListener(type, handler); });
    };
    Query.prototype.addClass = function (name) {
        return this.each(function (node) { node.classList.add(name); });
    };
    var helpers = {
        throttle: function (fn, wait) {
            var last = 0;
            return function () {
                var now = Date.now();
                if (now - last >= wait) { last = now; fn.apply(this, arguments); }
            };
        },
        debounce: function (fn, wait) {
            var timer;
            return function () { clearTimeout(timer); timer = setTimeout(fn, wait); };
        },
        extend: function (target) {
            for (var i = 1; i < arguments.length; i++) {
                for (var key in arguments[i]) { target[key] = arguments[i][key]; }
            }
            return target;
        },
        ajax: function (options) {
            return fetch(options.url, { method: options.method || 'GET' }).then(function (r) { return r.json(); });
        }
    };
    var q = function (selector) { return new Query(selector); };
    helpers.extend(q, helpers);
    q(window).on('scroll', q.throttle(function () { q('.header').addClass('scrolled'); }, 100));
    global.q = q;
})(window);
