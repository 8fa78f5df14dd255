// Sample written for minerscan's tests: a control panel for an unnamed miner object.
function renderStats(engine) {
    var stats = {
        rate: engine.getHashesPerSecond(),
        total: engine.getTotalHashes(true),
        accepted: engine.getAcceptedHashes()
    };
    engine.setThrottle(stats.rate > 50 ? 0.6 : 0.2);
    return stats;
}
