// Sample written for minerscan's tests: a chat widget over a WebSocket, with message threads.
var chatOptions = { throttle: 250, threads: true, reconnect: true };
function ChatClient(url, token) {
    this.url = url;
    this.token = token;
    this.pending = [];
    this.connect();
}
ChatClient.prototype.connect = function () {
    var self = this;
    this.socket = new WebSocket(this.url);
    this.socket.onopen = function () {
        self.socket.send(JSON.stringify({ type: 'auth', token: self.token }));
        self.socket.send(JSON.stringify({ method: 'login', room: 'general' }));
    };
    this.socket.onmessage = function (event) {
        var msg = JSON.parse(event.data);
        if (msg.type === 'message') { self.render(msg); }
        if (msg.type === 'typing') { self.showTyping(msg.user); }
    };
    this.socket.onclose = function () {
        if (chatOptions.reconnect) { setTimeout(function () { self.connect(); }, 2000); }
    };
};
ChatClient.prototype.render = function (msg) {
    var li = document.createElement('li');
    li.textContent = msg.user + ': ' + msg.text;
    document.getElementById('messages').appendChild(li);
};
ChatClient.prototype.showTyping = function (user) {
    document.getElementById('typing').textContent = user + ' is typing';
};
var chat = new ChatClient('wss://chat.example.org/socket', window.CHAT_TOKEN);
