// The strip above the guest screen: scaling mode, full screen and "Send Ctrl+Alt+Del"
// (Workstation's VM menu entry, for the chord the host would otherwise take).
import type { VmSession } from '../../store/vmSessions';
import { CTRL_ALT_DEL } from './capture';
import { SCALE_MODES, type ScaleMode } from './scaling';

export function DisplayBar(props: { session: VmSession; live: boolean; scale: ScaleMode; onScale: (m: ScaleMode) => void; onFullScreen: () => void }) {
  const { session, live, scale, onScale, onFullScreen } = props;
  return (
    <div className="display-bar" data-testid="display-bar">
      <div role="radiogroup" aria-label="Scaling" className="display-scale">
        {SCALE_MODES.map(({ mode, label }) => (
          <button key={mode} role="radio" aria-checked={scale === mode} className={scale === mode ? 'on' : ''} onClick={() => onScale(mode)}>
            {label}
          </button>
        ))}
      </div>
      <button onClick={onFullScreen} title="Full screen (press and hold Esc, or Ctrl+Alt then Esc, to leave)">
        Full screen
      </button>
      <button disabled={!live} onClick={() => CTRL_ALT_DEL.forEach((k) => session.send({ kind: 'key', v: 1, code: k.code, down: k.down }))}>
        Send Ctrl+Alt+Del
      </button>
    </div>
  );
}
