import '@xterm/xterm/css/xterm.css';
import './app/app.css';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { createVmmClient } from './bridge/vmmClient';
import { VmSessions } from './store/vmSessions';

const client = createVmmClient();
const services = { client, sessions: new VmSessions(client) };
createRoot(document.getElementById('root')!).render(<App services={services} />);
