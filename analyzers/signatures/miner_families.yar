// Named web-miner families: their constructors, configuration objects and loader URLs.
// Each rule is one family; a match means the page carries that miner's own API (MS201, high).
// Globals such as CoinHive or CRLT survive minification because page code calls them by name.
//
// A family is named by how its API is *used* (a constructor called, a function called with its
// argument shape, a handshake message built, a library loaded from its URL), never by a bare
// word or domain: anti-miner blocklists, extensions and blog posts list the same names and
// hosts ("coinhive.com", "webminerpool", "startMining") as strings, and must stay clean.

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
        $library = /\/\/(www\.)?coinhive\.com\/lib\/[\w.-]{1,60}\.js/
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
        $library = /\/\/(www\.)?crypto-loot\.(com|org)\/lib\/[\w.-]{1,60}\.js/ nocase
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
        // the library file loaded by a script tag, importScripts or a .src assignment
        $library = /(src\s*=\s*|importScripts\s*\(\s*)['"][^'"]{0,200}\/deepMiner(\.min)?\.js/
    condition:
        any of them
}

rule webminerpool_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "webminerpool"
        description = "webminerpool (WMP) startMining(pool, login, ...) and stopMining() with its throttle or frame queues, or its handshake message"
    strings:
        // startMining(pool, login, password[, threads[, userid]]): at least three arguments
        $start = /\bstartMining\s*\(\s*[^,()]{1,200},\s*[^,()]{1,200},\s*[^,()]{1,200}[,)]/
        $stop = /\bstopMining\s*\(\s*\)/
        $throttle = /\bthrottleMiner\s*=/
        $queues = /\b(sendStack|receiveStack)\s*(=|\.\s*(push|shift|length))/
        // the login message the client builds: {identifier: "handshake", pool:, login:, ...}
        $handshake = /identifier['"]?\s*:\s*['"]handshake['"][^{}]{0,200}\blogin['"]?\s*:/
    condition:
        ($start and $stop and ($throttle or $queues)) or ($handshake and ($start or $throttle or $queues))
}

rule jsecoin_miner
{
    meta:
        id = "MS201"
        severity = "high"
        family = "JSECoin"
        description = "JSECoin miner loader URL (with its site id), or its mining API used next to the JSECoin name"
    strings:
        // the loader with a publisher id: //load.jsecoin.com/load/<id>/<site>/...
        $loader = /\/\/load\.jsecoin\.com\/load\/[0-9]{1,12}\// nocase
        $name = /jsecoin/ nocase
        // used, not listed: called, read as a property or sent as a command, not an array entry
        $api1 = /(\.|:\s*['"])startMining\b|\bstartMining\s*\(/
        $api2 = /(\.|:\s*['"])stopMining\b|\bstopMining\s*\(/
        $api3 = /\.\s*(hashRate|hashesPerSecond)\b/
        $api4 = /(\.|:\s*['"])submitHash\b|\bsubmitHash\s*\(/
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
        $library = /\/\/(www\.)?coinimp\.(com|net)\/(scripts|lib)\/[\w.-]{1,60}\.js/ nocase
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
        $library = /\/\/(www\.)?coin-have\.com\/(c|lib|js)\/[\w.-]{1,60}\.js/ nocase
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
        $markup = /class\s*=\s*['"]minero-hidden['"]/
        $library = /\/\/(www\.)?minero\.cc\/lib\/[\w.-]{1,60}\.js/ nocase
    condition:
        any of them
}
