// Power off and Reset are the plug and the reset button: like Workstation, ask first.
import type { PowerOp } from '../../../electron/common/protocol';

export type HardPowerOp = Extract<PowerOp, 'stop' | 'reset'>;

const TEXT: Record<HardPowerOp, { question: string; yes: string }> = {
  stop: { question: 'Power off this VM? Like pulling the plug: the guest does not shut down and unsaved work in it is lost.', yes: 'Yes, power off' },
  reset: { question: 'Reset this VM? Like pressing its reset button: unsaved work in the guest is lost.', yes: 'Yes, reset' },
};

export function ConfirmPower({ op, name, onYes, onNo }: { op: HardPowerOp; name: string; onYes: () => void; onNo: () => void }) {
  const t = TEXT[op];
  return (
    <div className="confirm" role="alertdialog" aria-label={`Confirm ${op === 'stop' ? 'power off' : 'reset'}`} data-testid="confirm-power">
      <span>
        <b>{name}:</b> {t.question}
      </span>
      <button className="danger" onClick={onYes} autoFocus>
        {t.yes}
      </button>
      <button onClick={onNo}>Cancel</button>
    </div>
  );
}
