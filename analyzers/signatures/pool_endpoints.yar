// Mining pool and WebSocket-to-Stratum proxy addresses written into code (MS203, medium).

rule pool_websocket_url
{
    meta:
        id = "MS203"
        severity = "medium"
        family = "generic"
        description = "ws(s):// address with an explicit port whose host or path names a pool, proxy or coin"
    strings:
        $host = /wss?:\/\/[a-z0-9.-]{0,60}\b(pool|proxy|xmr|miner|mining|mine|stratum|monero)[0-9]?\b[a-z0-9.-]{0,60}:[0-9]{2,5}/ nocase
        $path = /wss?:\/\/[a-z0-9.-]{1,80}:[0-9]{2,5}\/[a-z0-9\/_-]{0,40}\b(pool|proxy|stratum|mining|miner)\b/ nocase
    condition:
        any of them
}

rule stratum_url
{
    meta:
        id = "MS203"
        severity = "medium"
        family = "generic"
        description = "stratum+tcp:// or stratum+ssl:// pool address"
    strings:
        $stratum = /stratum\+(tcp|ssl|tls):\/\/[a-z0-9.-]{1,100}/ nocase
    condition:
        $stratum
}
