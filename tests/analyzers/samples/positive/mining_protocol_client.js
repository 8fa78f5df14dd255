// Sample written for minerscan's tests: a socket client speaking a pool protocol.
function handlePoolMessage(socket, message) {
    var data = JSON.parse(message);
    if (data.method === 'job') {
        var work = { job_id: data.params.job_id, blob: data.params.blob, target: data.params.target };
        postWork(work);
    }
    if (data.type === 'keepalived') { return; }
}
function sendResult(socket, work, found) {
    socket.send(JSON.stringify({ method: 'submit', params: { 'job_id': work.job_id, nonce: found.nonce, result: found.hash } }));
}
