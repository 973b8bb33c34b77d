import { useState } from 'react';
import { useServices } from '../../app/services';
import { power, sendHostClipboard, setNetLink, setToolsOption, startVm } from '../../app/actions';
import { useTelemetryStore } from '../../store/telemetryStore';
import { useVmStore } from '../../store/vmStore';
import { ConfirmPower, type HardPowerOp } from './ConfirmPower';

export function Toolbar({ id }: { id: string }) {
  const services = useServices();
  const entry = useVmStore((s) => s.entries.find((e) => e.id === id));
  const vm = useVmStore((s) => s.vms[id]);
  const state = vm?.state ?? 'stopped';
  const tools = vm?.tools;
  const toolsRunning = tools?.state === 'running';
  const live = state === 'running' || state === 'paused';
  // The adapter's link as the VM host last reported it (telemetry, 10 Hz).
  const link = useTelemetryStore((s) => s.histories.get(id)?.rates.at(-1)?.nics[0]?.link);
  const [confirming, setConfirming] = useState<HardPowerOp | null>(null);

  return (
    <div className="toolbar" data-testid="toolbar">
      <div className="toolbar-group">
        <strong className="toolbar-name">{entry?.config.name ?? id}</strong>
        <span className={`state state-${state}`} data-testid="console-state">
          {state}
          {state === 'stopped' && vm?.reason ? ` (${vm.reason}${vm.detail ? `: ${vm.detail}` : ''})` : ''}
        </span>
      </div>
      <div className="toolbar-group" role="group" aria-label="Power">
        {state === 'stopped' ? (
          <button disabled={!!entry?.problems?.length} title={entry?.problems?.join('\n')} onClick={() => void startVm(services, id)}>
            Power on
          </button>
        ) : (
          <>
            {state === 'paused' ? (
              <button onClick={() => power(services, id, 'resume')}>Resume</button>
            ) : (
              <button disabled={state !== 'running'} onClick={() => power(services, id, 'pause')}>
                Pause
              </button>
            )}
            <button disabled={!live || !toolsRunning} title={toolsRunning ? 'Ask the guest to shut down' : 'Needs VMware Tools in the guest'} onClick={() => power(services, id, 'soft-shutdown')}>
              Shut down guest
            </button>
            <button disabled={!live || !toolsRunning} title={toolsRunning ? 'Ask the guest to restart' : 'Needs VMware Tools in the guest'} onClick={() => power(services, id, 'soft-reboot')}>
              Restart guest
            </button>
            <button disabled={!live} onClick={() => setConfirming('reset')}>
              Reset
            </button>
            <button disabled={!live} className="danger" onClick={() => setConfirming('stop')}>
              Power off
            </button>
          </>
        )}
      </div>
      <div className="toolbar-group tools" data-testid="tools-status">
        <span>
          Tools: <b>{tools?.state ?? 'not-running'}</b>
          {tools?.version ? ` ${tools.version}` : ''}
        </span>
        {live && !toolsRunning && (
          <a href="https://github.com/vmware/open-vm-tools" target="_blank" rel="noreferrer" title="open-vm-tools: VMware Tools for Linux guests (most distributions package it as open-vm-tools)">
            Get VMware Tools
          </a>
        )}
        {tools?.osName && <span data-testid="guest-os">OS: {tools.osName}</span>}
        {tools && tools.ipAddresses.length > 0 && <span data-testid="guest-ips">IP: {tools.ipAddresses.join(', ')}</span>}
      </div>
      <div className="toolbar-group switches">
        {(
          [
            ['paste', 'Host → guest clipboard'],
            ['copy', 'Guest → host clipboard'],
            ['syncTime', 'Time sync'],
          ] as const
        ).map(([key, label]) => (
          <label className="check" key={key}>
            <input
              type="checkbox"
              name={key}
              checked={vm?.options[key] ?? false}
              disabled={!vm}
              onChange={(e) => setToolsOption(services, id, key, e.target.checked)}
            />
            {label}
          </label>
        ))}
        <button disabled={!live || !vm?.options.paste} onClick={() => void sendHostClipboard(services, id)} title="Send the host clipboard text to the guest now">
          Send clipboard
        </button>
        {entry?.config.nics?.length ? (
          <label className="check">
            <input
              type="checkbox"
              name="netLink"
              data-testid="net-link"
              checked={link ?? false}
              disabled={!live || link === undefined}
              onChange={(e) => setNetLink(services, id, 0, e.target.checked)}
            />
            Network cable
          </label>
        ) : null}
      </div>
      {confirming && live && (
        <ConfirmPower
          op={confirming}
          name={entry?.config.name ?? id}
          onYes={() => {
            setConfirming(null);
            power(services, id, confirming);
          }}
          onNo={() => setConfirming(null)}
        />
      )}
      {vm?.notice && (
        <div className="toolbar-notice" role="status" data-testid="vm-notice">
          <span>{vm.notice}</span>
          <button onClick={() => useVmStore.getState().updateVm(id, { notice: undefined })}>Dismiss</button>
        </div>
      )}
      {vm?.lastError && (
        <div className="toolbar-error" role="alert">
          {vm.lastError.code}: {vm.lastError.message}
        </div>
      )}
    </div>
  );
}
