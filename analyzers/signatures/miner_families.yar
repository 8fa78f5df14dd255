// Named web-miner families: their constructors, configuration objects and loader URLs.
// Each rule is one family; a match means the page carries that miner's own API (MS201, high).
// Globals such as CoinHive or CRLT survive minification because page code calls them by name.

rule coinhive_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "CoinHive"
        description = "CoinHive miner constructor, configuration or library URL"
    strings:
        $ctor = /CoinHive\s*\.\s*(Anonymous|User|Token)\s*\(/
        $define = /CoinHive\s*\.\s*(Anonymous|User|Token|CONFIG)\s*=/
        $library = /coinhive\.com\/lib\//
    condition:
        any of them
}

rule cryptoloot_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "CryptoLoot"
        description = "CryptoLoot (CRLT) miner constructor, configuration or library URL"
    strings:
        $ctor = /\bCRLT\s*\.\s*(Anonymous|User|Token)\s*\(/
        $define = /\bCRLT\s*\.\s*(Anonymous|User|Token|CONFIG)\s*=/
        $library = /crypto-loot\.(com|org)\/(lib|proxy)/ nocase
    condition:
        any of them
}

rule deepminer_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "deepMiner"
        description = "deepMiner constructor or library file"
    strings:
        $ctor = /deepMiner\s*\.\s*(Anonymous|User|Init)\s*\(/
        $library = /deepMiner(\.min)?\.js/
    condition:
        any of them
}

rule webminerpool_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "webminerpool"
        description = "webminerpool (WMP) start/stop API with its throttle or frame queues"
    strings:
        $start = /\bstartMining\s*\(/
        $stop = /\bstopMining\s*\(/
        $throttle = /\bthrottleMiner\b/
        $queues = /\b(sendStack|receiveStack)\b/
        $name = /webminerpool/ nocase
    condition:
        $name or ($start and $stop and ($throttle or $queues))
}

rule jsecoin_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "JSECoin"
        description = "JSECoin miner loader or its mining API next to the JSECoin name"
    strings:
        $loader = /load\.jsecoin\.com/ nocase
        $name = /jsecoin/ nocase
        $api1 = /\bstartMining\b/
        $api2 = /\bstopMining\b/
        $api3 = /\b(hashRate|hashesPerSecond)\b/
        $api4 = /\bsubmitHash\b/
    condition:
        $loader or ($name and 2 of ($api*))
}

rule coinimp_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "CoinImp"
        description = "CoinImp Client.Anonymous constructor or library URL"
    strings:
        $ctor = /new\s+Client\s*\.\s*Anonymous\s*\(/
        $library = /coinimp\.(com|net)\/(scripts|lib)/ nocase
    condition:
        any of them
}

rule coinhave_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "CoinHave"
        description = "CoinHave miner constructor or library URL"
    strings:
        $ctor = /CoinHave\s*\.\s*(Anonymous|User)\s*\(/
        $library = /coin-have\.com\/(c|lib|js)\// nocase
    condition:
        any of them
}

rule minero_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "Minero"
        description = "Minero miner constructor, hidden-miner markup or library URL"
    strings:
        $ctor = /Minero\s*\.\s*(Anonymous|User)\s*\(/
        $markup = "minero-hidden"
        $library = /minero\.cc\/lib\// nocase
    condition:
        any of them
}
