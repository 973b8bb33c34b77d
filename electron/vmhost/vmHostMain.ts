// The VM host process: one per running VM. Started by Electron main (utilityProcess.fork)
// or by the CLI, the browser dev host and the tests (child_process.fork); the only code
// that loads native/. A crash here ends one VM, never the UI.
import { PROTOCOL_VERSION } from '../common/protocol';
import { hostCapabilities } from './hostCapabilities';
import { admitRequest } from './hostRequest';
import { parentTransport } from './transport';
import { VmSession } from './vmSession';

const transport = parentTransport();
const session = new VmSession(
  (event) => transport.send(event),
  () => {
    // One VM per host process: leave once the end has been reported (delivered, not
    // just queued), or after a second if the client stopped reading.
    setTimeout(() => process.exit(0), 1000).unref();
    transport.flush(() => process.exit(0));
  },
);
transport.onRequest((raw, reply) => admitRequest(raw, reply, session));
transport.onDisconnect(() => process.exit(0));
transport.send({ kind: 'hello', v: 1, protocol: PROTOCOL_VERSION, capabilities: hostCapabilities() });
