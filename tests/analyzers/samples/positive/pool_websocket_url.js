// Sample written for minerscan's tests: a proxy address picked at random.
var endpoints = ['wss://xmr-pool.example.test:3333/', 'wss://proxy2.example.test:8443/'];
var socket = new WebSocket(endpoints[Math.floor(Math.random() * endpoints.length)]);
socket.onopen = function () { socket.send('{"hello":1}'); };
