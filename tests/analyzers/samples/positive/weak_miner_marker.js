// Sample written for minerscan's tests: a status widget reading one counter.
function updateBadge(engine) {
    document.getElementById('speed').textContent = engine.getHashesPerSecond() + ' H/s';
}
