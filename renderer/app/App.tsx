import { useEffect } from 'react';
import { ServicesContext, type Services } from './services';
import { openConsole, refreshLibrary } from './actions';
import { useVmStore } from '../store/vmStore';
import { LibraryView } from '../features/library/LibraryView';
import { VmEditor } from '../features/library/VmEditor';
import { ConsoleView } from '../features/console/ConsoleView';

export function App({ services }: { services: Services }) {
  const screen = useVmStore((s) => s.screen);
  const notice = useVmStore((s) => s.notice);

  useEffect(() => {
    const { client } = services;
    const off = client.onAppEvent((ev) => {
      switch (ev.kind) {
        case 'library':
          useVmStore.getState().setLibrary(ev.snapshot);
          break;
        case 'show-vm':
          void openConsole(services, ev.id);
          break;
      }
    });
    refreshLibrary(services).catch((err: unknown) => useVmStore.getState().setNotice(String(err)));
    client
      .request({ kind: 'capabilities' })
      .then((caps) => useVmStore.getState().setHostCapabilities(caps))
      .catch(() => undefined);
    return off;
  }, [services]);

  return (
    <ServicesContext.Provider value={services}>
      <div className="app">
        <header className="app-header">
          <button className="brand" onClick={() => useVmStore.getState().setScreen({ name: 'library' })}>
            Vireo
          </button>
          <span className="transport" data-testid="transport">
            {services.client.transport === 'electron' ? 'desktop' : 'browser dev host'}
          </span>
        </header>
        {notice && (
          <div className="notice" role="alert">
            {notice}
            <button onClick={() => useVmStore.getState().setNotice(undefined)} aria-label="Dismiss">
              ×
            </button>
          </div>
        )}
        <main className="app-main">
          {screen.name === 'library' && <LibraryView />}
          {screen.name === 'edit' && <VmEditor id={screen.id} />}
          {screen.name === 'console' && <ConsoleView id={screen.id} />}
        </main>
      </div>
    </ServicesContext.Provider>
  );
}
