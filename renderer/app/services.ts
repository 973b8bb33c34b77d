// The client and the per-VM sessions, created once at startup and handed down through
// React context (tests pass a fake client).
import { createContext, useContext } from 'react';
import type { VmmClient } from '../bridge/vmmClient';
import type { VmSessions } from '../store/vmSessions';

export interface Services {
  client: VmmClient;
  sessions: VmSessions;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing');
  return s;
}
