/* Image filters in a worker (corpus code): separable Gaussian blur passes, then a Sobel edge
   pass blended back in. A fixed amount of work; the page terminates the worker afterwards. */
var KERNEL = [0.0044, 0.054, 0.242, 0.399, 0.242, 0.054, 0.0044];
function blur(src, dst, w, h, dx, dy) {
  for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) {
    for (var c = 0; c < 3; c++) {
      var acc = 0;
      for (var k = -3; k <= 3; k++) {
        var xx = Math.min(w - 1, Math.max(0, x + k * dx)), yy = Math.min(h - 1, Math.max(0, y + k * dy));
        acc += src[(yy * w + xx) * 4 + c] * KERNEL[k + 3];
      }
      dst[(y * w + x) * 4 + c] = acc;
    }
    dst[(y * w + x) * 4 + 3] = 255;
  }
}
function sobel(src, w, h) {
  var out = new Float32Array(w * h);
  for (var y = 1; y < h - 1; y++) for (var x = 1; x < w - 1; x++) {
    var i = (y * w + x) * 4;
    var gx = src[i + 4] - src[i - 4] + 2 * (src[i + 4 - w * 4] - src[i - 4 - w * 4]) + src[i + 4 + w * 4] - src[i - 4 + w * 4];
    var gy = src[i + w * 4] - src[i - w * 4] + 2 * (src[i + 4 + w * 4] - src[i + 4 - w * 4]) + src[i - 4 + w * 4] - src[i - 4 - w * 4];
    out[y * w + x] = Math.min(255, Math.sqrt(gx * gx + gy * gy) / 4);
  }
  return out;
}
onmessage = function (e) {
  var w = e.data.width, h = e.data.height, a = new Float32Array(new Uint8ClampedArray(e.data.pixels)), b = new Float32Array(a.length);
  for (var p = 0; p < e.data.passes; p++) { blur(a, b, w, h, 1, 0); blur(b, a, w, h, 0, 1); }
  var edges = sobel(a, w, h), out = new Uint8ClampedArray(a.length);
  for (var i = 0; i < w * h; i++) for (var c = 0; c < 3; c++) out[i * 4 + c] = a[i * 4 + c] * 0.85 + edges[i] * 0.6;
  for (i = 0; i < w * h; i++) out[i * 4 + 3] = 255;
  postMessage({ pixels: out.buffer, passes: e.data.passes }, [out.buffer]);
};
