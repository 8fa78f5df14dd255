// A pool client: login, 30 keep-alives, then three job/submit exchanges. Runs in the page
// (index.html) or in a SharedWorker (shared.html), where only CDP sees the frames; `pace`
// milliseconds between keep-alives.
function runClient(who, pace = 0) {
  const ws = new WebSocket('ws://' + self.location.host + '/ws?who=' + who);
  let keepalives = 0;
  let jobs = 0;
  ws.onopen = () => ws.send(JSON.stringify({method: 'login', params: {login: 'wallet-' + who}}));
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.result === 'authed' || msg.result === 'keepalived') {
      if (keepalives < 30) {
        keepalives += 1;
        setTimeout(() => ws.send(JSON.stringify({method: 'keepalived', id: keepalives})), pace);
      } else {
        ws.send(JSON.stringify({method: 'getjob'}));
      }
    } else if (msg.method === 'job') {
      ws.send(JSON.stringify({method: 'submit', params: {job_id: msg.params.job_id}}));
    } else if (msg.result === 'accepted') {
      jobs += 1;
      if (jobs < 3) ws.send(JSON.stringify({method: 'getjob'}));
    }
  };
}
