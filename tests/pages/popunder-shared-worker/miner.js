// Hashes in bursts (about 60 % of a core) and reports over a socket and a poll; a shared
// worker lives on while any window of its origin still holds it. The socket waits a moment:
// the browser-level session reaches a shared worker shortly after it starts.
let ws = null;
let shares = 0;
setTimeout(() => {
  ws = new WebSocket('ws://' + self.location.host + '/ws?who=afterlife');
  ws.onopen = () => ws.send(JSON.stringify({method: 'login', params: {login: 'wallet-afterlife'}}));
}, 1500);
function burst() {
  const until = Date.now() + 120;
  let h = 0;
  while (Date.now() < until) { h = (h * 31 + 7) % 1000003; }
  if (ws && ws.readyState === 1) ws.send(JSON.stringify({method: 'keepalived', id: ++shares, h}));
  setTimeout(burst, 80);
}
burst();
setInterval(() => { fetch('/api/ping', {method: 'POST', body: 'still-here'}).catch(() => {}); }, 400);
onconnect = () => {};
