// Sample written for minerscan's tests: a WebGL background animation.
var canvas = document.getElementById('bg');
var gl = canvas.getContext('webgl');
var vertexSource = 'attribute vec2 p; void main() { gl_Position = vec4(p, 0.0, 1.0); }';
var fragmentSource = 'precision mediump float; uniform float t; void main() { gl_FragColor = vec4(0.5 + 0.5 * sin(t), 0.3, 0.6, 1.0); }';
function compile(type, source) {
    var shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    return shader;
}
var program = gl.createProgram();
gl.attachShader(program, compile(gl.VERTEX_SHADER, vertexSource));
gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
gl.linkProgram(program);
gl.useProgram(program);
var buffer = gl.createBuffer();
gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 3, -1, -1, 3]), gl.STATIC_DRAW);
var timeLocation = gl.getUniformLocation(program, 't');
var settings = { threads: 1, quality: 'high' };
function frame(now) {
    gl.uniform1f(timeLocation, now / 1000);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
