// Miner structure without a family name: what survives renaming and minification (MS202, medium).

rule anonymous_miner_constructor
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "new <X>.Anonymous(<site key>) started at once or given miner options; .User(<key>) with miner options"
    strings:
        // The options or the .start() must follow within the same statement: in a bundle of many
        // modules, a constructor in one and a "throttle:" key in another mean nothing together.
        $anonymous_started = /new\s+[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?\s*\.\s*Anonymous\s*\(\s*['"][\w-]{16,80}['"][^;()]{0,400}\)\s*\.\s*start\s*\(/
        $anonymous_options = /new\s+[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?\s*\.\s*Anonymous\s*\(\s*['"][\w-]{16,80}['"][^;]{0,300}[{,]\s*['"]?(throttle|threads|autoThreads|forceASMJS)['"]?\s*:/
        // .User(<key>).start() alone is also how analytics sessions start, so it needs options
        $user_options = /new\s+[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?\s*\.\s*User\s*\(\s*['"][\w-]{16,80}['"][^;]{0,300}[{,]\s*['"]?(throttle|threads|autoThreads|forceASMJS)['"]?\s*:/
    condition:
        any of them
}

rule miner_control_api
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "three or more miner control names: hash-rate getters, throttle/thread setters, algorithm ids"
    strings:
        $rate = /\b(get)?[Hh]ashesPerSecond\b/
        $total = /\bgetTotalHashes\b/
        $accepted = /\bgetAcceptedHashes\b/
        $set_throttle = /\b[sg]etThrottle\b/
        $set_threads = /\b[sg]etNumThreads\b/
        $auto_threads = /\bautoThreads\b/
        // throttle (a number) and threads as keys of one object literal, either order
        $throttle_threads = /[{,]\s*['"]?(throttle['"]?\s*:\s*[0-9.]{1,8}[^{}]{0,200}[{,]\s*['"]?threads|threads['"]?\s*:[^{}]{0,200}[{,]\s*['"]?throttle['"]?\s*:\s*[0-9.])/
        $cryptonight = /cryptonight/ nocase
        $algorithm = /['"](cn\/(r|[0-4]|half|rwz|zls|double|fast)|cn-(lite|heavy|pico)(\/[0-9a-z]{1,8})?|rx\/(0|wow|arq)|argon2\/chukwa)['"]/
    condition:
        3 of them
}

rule mining_protocol_client
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "client code for a mining protocol: job ids, nonces, submit/login/keepalived messages"
    strings:
        $job_id = /\bjob_id\b/
        $keepalived = /['"]keepalived['"]/
        $hash_accepted = /['"]hash_accepted['"]/
        $authed = /['"]authed['"]/
        $submit = /method['"]?\s*:\s*['"](submit|mining\.submit)['"]/
        $login = /method['"]?\s*:\s*['"](login|mining\.subscribe|mining\.authorize)['"]/
        $nonce = /['"]?nonce['"]?\s*:/
        $blob = /\.blob\b|['"]blob['"]\s*:/
    condition:
        3 of them and 2 of ($job_id, $keepalived, $hash_accepted, $authed, $submit)
}

rule cryptonight_wasm_loader
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "a CryptoNight/RandomX hash entry point called from code that loads wasm or starts workers"
    strings:
        $cn_call = /cryptonight(_hash|_light|_heavy)?\s*\(/ nocase
        $cn_export = /\b_?(cn_(slow_)?hash|randomx_(calculate_hash|create_vm))\b/
        $wasm = /WebAssembly\s*\.\s*(instantiate|instantiateStreaming|compile|Module|Instance)\b/
        $worker = /new\s+Worker\s*\(/
    condition:
        ($cn_call or $cn_export) and ($wasm or $worker)
}
