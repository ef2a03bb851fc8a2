import { startFlowLink, servers } from '/work/main/test/helpers/flowlink.ts';
const fl = await startFlowLink({ anonymous: { enabled: true }, servers: { everything: servers.everything } });
console.log(fl.url);
