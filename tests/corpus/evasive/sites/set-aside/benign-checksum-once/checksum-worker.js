importScripts("/js/sha256.js");
onmessage = function (e) {
  var data = new Uint8Array(e.data);
  for (var i = 0; i < data.length; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
  var d = self.evSha256(data), hex = "";
  for (var j = 0; j < d.length; j++) hex += (d[j] < 16 ? "0" : "") + d[j].toString(16);
  postMessage(hex);
};
