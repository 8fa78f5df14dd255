// Miner structure without a family name: what survives renaming and minification (MS202, medium).

rule anonymous_miner_constructor
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "<X>.Anonymous(<site key>) started or given miner options, with or without new; <X>.User(<key>) with miner options"
    strings:
        // The namespace is whatever the copy calls itself (CoinHive, Miner, Q7, window.Q7) and
        // `new` is optional: libraries export a factory as often as a constructor. What stays is
        // the method name, a site key (or the variable holding it) and the start or the options
        // in the same statement: in a bundle of many modules, a constructor in one and a
        // "throttle:" key in another mean nothing together.
        $anonymous_key_started = /\.\s*Anonymous\s*\(\s*['"][\w-]{16,80}['"][^;]{0,600}\)\s*\.\s*start\s*\(/
        $anonymous_options_started = /\.\s*Anonymous\s*\(\s*[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?\s*,\s*\{[^;]{0,600}\)\s*\.\s*start\s*\(/
        $anonymous_options = /\.\s*Anonymous\s*\(\s*(['"][\w-]{16,80}['"]|[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?)\s*,[^;]{0,400}[{,]\s*['"]?(throttle|threads|autoThreads|forceASMJS)['"]?\s*:/
        // `m = X.Anonymous(...)` then `m.start()` a little later: the start is checked by distance
        // below, because a YARA regex cannot refer back to the variable's name.
        $anonymous_assigned = /[\w$\]]\s*=\s*(new\s+)?[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40}){0,2}\s*\.\s*Anonymous\s*\(\s*(['"][\w-]{16,80}['"]|[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?)\s*[,)]/
        $start_call = /[\w$\])]\s*\.\s*start\s*\(\s*\)/
        // .User(<key>).start() alone is also how analytics sessions start, so it needs options
        $user_options = /\.\s*User\s*\(\s*(['"][\w-]{16,80}['"]|[A-Za-z_$][\w$]{0,40}(\s*\.\s*[A-Za-z_$][\w$]{0,40})?)\s*,[^;]{0,300}[{,]\s*['"]?(throttle|threads|autoThreads|forceASMJS)['"]?\s*:/
    condition:
        $anonymous_key_started or $anonymous_options_started or $anonymous_options or $user_options
        or for any i in (1..#anonymous_assigned) : (
            for any j in (1..#start_call) : (
                @start_call[j] > @anonymous_assigned[i] and @start_call[j] - @anonymous_assigned[i] < 1000
            )
        )
}

rule miner_control_api
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "three or more miner control names used in code: hash-rate getters, throttle/thread setters, algorithm ids"
    strings:
        // Called or defined (`.getTotalHashes(`, `getTotalHashes: function`, `.setThrottle =`), not
        // listed: an anti-miner script that stubs these names out keeps them in an array of strings.
        $rate = /\.\s*(get)?[Hh]ashesPerSecond\s*(\(|=)|\b(get)?[Hh]ashesPerSecond['"]?\s*:\s*function/
        $total = /\.\s*getTotalHashes\s*(\(|=)|\bgetTotalHashes['"]?\s*:\s*function/
        $accepted = /\.\s*getAcceptedHashes\s*(\(|=)|\bgetAcceptedHashes['"]?\s*:\s*function/
        $set_throttle = /\.\s*[sg]etThrottle\s*(\(|=)|\b[sg]etThrottle['"]?\s*:\s*function/
        $set_threads = /\.\s*[sg]etNumThreads\s*(\(|=)|\b[sg]etNumThreads['"]?\s*:\s*function/
        $auto_threads = /\bautoThreads['"]?\s*:/
        // throttle (a number) and threads as keys of one object literal, either order
        $throttle_threads = /[{,]\s*['"]?(throttle['"]?\s*:\s*[0-9.]{1,8}[^{}]{0,200}[{,]\s*['"]?threads|threads['"]?\s*:[^{}]{0,200}[{,]\s*['"]?throttle['"]?\s*:\s*[0-9.])/
        $cryptonight = /cryptonight\w{0,20}\s*\(/ nocase
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
        // Message names compared with or written as values (`=== 'hash_accepted'`, `case 'authed':`,
        // `method: 'keepalived'`), job ids read or written as fields; a list of these words in
        // an anti-miner's frame filter is neither.
        $job_id = /\.\s*job_id\b|\bjob_id['"]?\s*:/
        $keepalived = /(==|case|:)\s*['"]keepalived['"]/
        $hash_accepted = /(==|case|:)\s*['"]hash_accepted['"]/
        $authed = /(==|case|:)\s*['"]authed['"]/
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

rule obfuscated_miner_loader
{
    meta:
        id = "MS202"
        severity = "medium"
        family = "generic"
        description = "string-array obfuscated script that starts workers or wasm, opens a WebSocket and hides miner words in its string table"
    strings:
        // String-array obfuscation: every string moved into one table, rotated at start-up until
        // a checksum of parseInt'ed entries comes out right, and read through a decoder.
        // Minifiers print a.push(a.shift()); only obfuscators keep the bracketed, quoted names.
        $table_rotation = /\[\s*['"]push['"]\s*\]\s*\(\s*[\w$]{1,40}\s*\[\s*['"]shift['"]\s*\]\s*\(\s*\)\s*\)/
        $table_checksum = /parseInt\s*\(\s*[\w$]{1,40}\s*\(\s*(0x[0-9a-fA-F]{1,6}|[0-9]{1,7})\s*(,\s*['"][^'"]{0,12}['"]\s*)?\)\s*\)\s*\/\s*(0x[0-9a-fA-F]{1,6}|[0-9]{1,7})/
        // Globals stay readable, since the obfuscator must not rename what the browser provides.
        $worker = /new\s+Worker\s*\(/
        $wasm = /\bWebAssembly\b/
        $import = /\bimportScripts\s*\(/
        $socket = /\bWebSocket\b/
        // Miner words as the string table stores them: the first six letters of a string (what
        // survives splitting strings into chunks) in base64, in the obfuscator's base64 with
        // lower case first, or as \x / \u escapes.
        $anonymous_b64 = "Anonym" base64
        $anonymous_b64x = "Anonym" base64("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
        $anonymous_esc = /\\(x|u00)41\\(x|u00)6e\\(x|u00)6f\\(x|u00)6e\\(x|u00)79\\(x|u00)6d/ nocase
        $throttle_b64 = "thrott" base64
        $throttle_b64x = "thrott" base64("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
        $throttle_esc = /\\(x|u00)74\\(x|u00)68\\(x|u00)72\\(x|u00)6f\\(x|u00)74\\(x|u00)74/ nocase
        $hashrate_b64 = "getHas" base64
        $hashrate_b64x = "getHas" base64("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
        $hashrate_esc = /\\(x|u00)67\\(x|u00)65\\(x|u00)74\\(x|u00)48\\(x|u00)61\\(x|u00)73/ nocase
        $job_id_b64 = "job_id" base64
        $job_id_b64x = "job_id" base64("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
        $job_id_esc = /\\(x|u00)6a\\(x|u00)6f\\(x|u00)62\\(x|u00)5f\\(x|u00)69\\(x|u00)64/ nocase
        $keepalive_b64 = "keepal" base64
        $keepalive_b64x = "keepal" base64("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
        $keepalive_esc = /\\(x|u00)6b\\(x|u00)65\\(x|u00)65\\(x|u00)70\\(x|u00)61\\(x|u00)6c/ nocase
        $accepted_b64 = "hash_a" base64
        $accepted_b64x = "hash_a" base64("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
        $accepted_esc = /\\(x|u00)68\\(x|u00)61\\(x|u00)73\\(x|u00)68\\(x|u00)5f\\(x|u00)61/ nocase
    condition:
        // A miner control word (Anonymous, throttle, getHashesPerSecond) and a mining-protocol
        // word (job_id, keepalived, hash_accepted): a chat widget may well hide "Anonymous" and
        // "throttle", but it has no jobs to take and no shares to have accepted.
        any of ($table_*)
        and ($worker or $wasm or $import)
        and $socket
        and any of ($anonymous_*, $throttle_*, $hashrate_*)
        and any of ($job_id_*, $keepalive_*, $accepted_*)
}
