/* webmr.js - corpus re-creation of the webminerpool SDK client (our code).
   Globals as documented: server, throttleMiner, startMining(), stopMining(). */
var server = "wss://webminerpool.example:8181/";
var job = null;
var workers = [];
var ws = null;
var totalhashes = 0;
var connected = 0; /* 0 idle, 1 connected, 2 lost, 3 stopped on purpose */
var attempts = 1;
var throttleMiner = 0; /* percent of the time each worker sleeps */
var handshake = null;
var WORKER_URL = "/tuned/webminerpool-startmining/worker.js";

function openWebSocket() {
  if (ws !== null) ws.close();
  ws = new WebSocket(server);
  ws.onmessage = function (e) {
    var msg = JSON.parse(e.data);
    if (msg.identifier === "job") job = msg;
    else if (msg.identifier === "hashsolved") { /* share counted by the pool */ }
    else if (msg.identifier === "error") console.log("pool error: " + msg.param);
  };
  ws.onerror = ws.onclose = function () { if (connected < 2) connected = 2; job = null; };
  ws.onopen = function () { ws.send(JSON.stringify(handshake)); attempts = 1; connected = 1; };
}

function reconnector() {
  if (connected !== 3 && (ws === null || (ws.readyState !== 0 && ws.readyState !== 1))) {
    attempts++;
    openWebSocket();
  }
  if (connected !== 3) setTimeout(reconnector, 5000 * attempts);
}

function startMining(pool, login, password, numThreads, userid) {
  stopMining();
  connected = 0;
  handshake = {
    identifier: "handshake", pool: pool, login: login, password: password || "",
    userid: userid || "", version: 7
  };
  var n = numThreads === undefined || numThreads < 0 ? (navigator.hardwareConcurrency || 4) : numThreads;
  while (n-- > 0) addWorker();
  reconnector();
}

function stopMining() {
  connected = 3;
  if (ws !== null) ws.close();
  workers.forEach(function (w) { w.terminate(); });
  workers = [];
  job = null;
}

function addWorker() {
  var w = new Worker(WORKER_URL);
  workers.push(w);
  w.onmessage = onWorkerMessage;
  setTimeout(function () { onWorkerMessage({ data: "wakeup", target: w }); }, 300);
}

function removeWorker() { if (workers.length) workers.shift().terminate(); }

/* Pull model: a worker reports ("nothing" or a solved share) and is handed the current job. */
function onWorkerMessage(e) {
  var w = e.target;
  if (connected !== 1 || job === null) {
    setTimeout(function () { onWorkerMessage({ data: "wakeup", target: w }); }, 500);
    return;
  }
  if (e.data !== "nothing" && e.data !== "wakeup") {
    ws.send(e.data);
    totalhashes += 1;
  }
  w.postMessage({ job: job, throttle: Math.max(0, Math.min(throttleMiner, 100)) });
}
