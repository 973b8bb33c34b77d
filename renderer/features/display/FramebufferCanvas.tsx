// The guest screen. Pixels come from the session's Framebuffer (updated outside React)
// and are drawn on requestAnimationFrame only when it changed. The canvas backing store is
// the guest resolution; CSS scales it to fit with the guest's aspect ratio. The viewport
// we report to the host is in device pixels (CSS × devicePixelRatio), so a guest with
// Tools can pick a mode that maps 1:1 onto the HiDPI screen.
//
// Input capture (useInputCapture.ts): a click captures keyboard and mouse; a clean Ctrl+Alt
// releases (shown on screen). Scaling mode and full screen come from the DisplayBar; the
// mode is remembered per VM in localStorage.
import { useEffect, useRef, useState } from 'react';
import type { VmSession } from '../../store/vmSessions';
import { useVmStore } from '../../store/vmStore';
import { RELEASE_KEYS_LABEL } from './capture';
import { DisplayBar } from './DisplayBar';
import { displaySize, SCALE_MODES, type ScaleMode } from './scaling';
import { useInputCapture } from './useInputCapture';

const VIEWPORT_DEBOUNCE_MS = 300;
const scaleKey = (id: string): string => `vireo.scale.${id}`;

function savedScale(id: string): ScaleMode {
  const saved = localStorage.getItem(scaleKey(id));
  return SCALE_MODES.find((m) => m.mode === saved)?.mode ?? 'fit';
}

export function FramebufferCanvas({ session, id }: { session: VmSession; id: string }) {
  const frameRef = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [avail, setAvail] = useState({ width: 0, height: 0 });
  const [scale, setScale] = useState<ScaleMode>(() => savedScale(id));
  const mode = useVmStore((s) => s.vms[id]?.mode);
  // The VM host creates the display (and the tools bridge) when it starts the VM, and says
  // `running` after that. A `frames` or `viewport` request it gets earlier finds nothing to
  // act on and is dropped; the canvas of a VM that was just started mounts that early (the
  // host is still loading), so both requests wait for the VM to run.
  const hostRuns = useVmStore((s) => {
    const state = s.vms[id]?.state;
    return state === 'running' || state === 'paused' || state === 'stopping';
  });
  const fb = session.framebuffer;

  // Ask the host for frames while this canvas exists and the VM runs.
  useEffect(() => {
    if (!hostRuns) return;
    session.send({ kind: 'frames', v: 1, enabled: true });
    return () => session.send({ kind: 'frames', v: 1, enabled: false });
  }, [session, hostRuns]);

  // Draw loop: one putImageData per changed frame, at most once per display refresh.
  useEffect(() => {
    let raf = 0;
    let drawn = -1;
    const tick = (): void => {
      const canvas = canvasRef.current;
      if (canvas && fb.version !== drawn && fb.width > 0) {
        if (canvas.width !== fb.width || canvas.height !== fb.height) {
          canvas.width = fb.width;
          canvas.height = fb.height;
        }
        canvas.getContext('2d')?.putImageData(new ImageData(fb.pixels, fb.width, fb.height), 0, 0);
        drawn = fb.version;
        canvas.dataset.frameVersion = String(drawn);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [fb]);

  // Track the space we may use.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const ro = new ResizeObserver(([entry]) => {
      const { width, height } = entry!.contentRect;
      setAvail({ width, height });
    });
    ro.observe(box);
    return () => ro.disconnect();
  }, []);

  // Tell the running VM's host (debounced) in device pixels.
  useEffect(() => {
    if (!hostRuns || avail.width <= 0 || avail.height <= 0) return;
    const timer = setTimeout(() => {
      const dpr = window.devicePixelRatio || 1;
      session.send({ kind: 'viewport', v: 1, width: Math.round(avail.width * dpr), height: Math.round(avail.height * dpr) });
    }, VIEWPORT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [session, hostRuns, avail.width, avail.height]);

  const guest = { width: mode?.width || fb.width, height: mode?.height || fb.height };
  const size = displaySize(scale, guest, avail, window.devicePixelRatio || 1);
  const input = useInputCapture(session, guest);
  const { captured } = input;
  const chooseScale = (m: ScaleMode): void => {
    localStorage.setItem(scaleKey(id), m);
    setScale(m);
  };

  return (
    <div className="display-frame" ref={frameRef}>
      <DisplayBar session={session} live={hostRuns} scale={scale} onScale={chooseScale} onFullScreen={() => void frameRef.current?.requestFullscreen().catch(() => undefined)} />
      <div className={`display scale-${scale}`} ref={boxRef} data-testid="display">
        <canvas
          ref={canvasRef}
          data-testid="framebuffer"
          tabIndex={0}
          className={captured ? 'captured' : ''}
          style={{ width: size.width, height: size.height }}
          onMouseDown={(e) => {
            if (!captured) input.capture(e.currentTarget);
          }}
          {...input.handlers}
        />
        {guest.width === 0 && <div className="display-empty">No display output yet</div>}
        <div className={`capture-hint ${captured ? 'on' : ''}`} data-testid="capture-hint">
          {captured ? `Input captured — press and release ${RELEASE_KEYS_LABEL} to release` : 'Click the screen to capture keyboard and mouse'}
        </div>
      </div>
    </div>
  );
}
