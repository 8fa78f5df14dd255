// What a mining thread sees of the machine it runs on.
const first = {userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency};
setTimeout(() => {
  const hints = navigator.userAgentData;
  postMessage({
    first: first,
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    memory: navigator.deviceMemory,
    platform: hints ? hints.platform : null,
    mobile: hints ? hints.mobile : null,
  });
}, 500);
