// Single weak markers: common enough in miner code, not proof on their own (MS204, low).
// Reported only when no stronger signature matched the same script.

rule weak_miner_marker
{
    meta:
        id = "MS204"
        severity = "low"
        family = "generic"
        description = "one miner marker: hash-rate getter, CryptoNight name, algorithm id, or throttle+threads options"
    strings:
        $rate = /\b(get)?[Hh]ashesPerSecond\b/
        $total = /\bgetTotalHashes\b/
        $accepted = /\bgetAcceptedHashes\b/
        $cryptonight = /cryptonight/ nocase
        $algorithm = /['"](cn\/(r|[0-4]|half|rwz|zls|double|fast)|cn-(lite|heavy|pico)(\/[0-9a-z]{1,8})?|rx\/(0|wow|arq))['"]/
        // throttle (a number) and threads as keys of one object literal, either order
        $throttle_threads = /[{,]\s*['"]?(throttle['"]?\s*:\s*[0-9.]{1,8}[^{}]{0,200}[{,]\s*['"]?threads|threads['"]?\s*:[^{}]{0,200}[{,]\s*['"]?throttle['"]?\s*:\s*[0-9.])/
    condition:
        any of them
}
