// COM1 in xterm.js. Output is written with a callback so SerialFlowControl can pause the
// host's serial stream when xterm falls behind; keystrokes go back as serial-in bytes.
import { useEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import type { VmSession } from '../../store/vmSessions';
import { useVmStore } from '../../store/vmStore';
import { SerialFlowControl } from './flowControl';

const encoder = new TextEncoder();

export function SerialConsole({ session, id }: { session: VmSession; id: string }) {
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = hostRef.current;
    if (!el) return;
    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: { background: '#101418' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();

    const flow = new SerialFlowControl((paused) => {
      session.send({ kind: 'serial-flow', v: 1, paused });
      useVmStore.getState().updateVm(id, { serialPaused: paused });
    });
    const detach = session.attachSerial((data) => term.write(data, flow.written(data.length)));
    const input = term.onData((text) => session.send({ kind: 'serial-in', v: 1, data: encoder.encode(text) }));
    const ro = new ResizeObserver(() => fit.fit());
    ro.observe(el);

    return () => {
      ro.disconnect();
      input.dispose();
      detach();
      // A console that goes away must not leave the guest paused on a full pipe.
      if (flow.isPaused) session.send({ kind: 'serial-flow', v: 1, paused: false });
      term.dispose();
    };
  }, [session, id]);

  return (
    <div className="serial">
      <div className="serial-title">Serial console (COM1)</div>
      <div className="serial-term" ref={hostRef} data-testid="serial" />
    </div>
  );
}
