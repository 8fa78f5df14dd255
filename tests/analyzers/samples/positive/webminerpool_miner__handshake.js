// Sample written for minerscan's tests: a webminerpool-style client building its login message.
var ws, sendStack = [], receiveStack = [];
function openPool(pool, login, password) {
    ws = new WebSocket('wss://proxy.example.test/');
    ws.onopen = function () {
        var msg = { identifier: 'handshake', pool: pool, login: login, password: password, userid: '', version: 7 };
        ws.send(JSON.stringify(msg));
    };
    ws.onmessage = function (event) { receiveStack.push(JSON.parse(event.data)); };
}
