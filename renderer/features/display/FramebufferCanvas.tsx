// The guest screen. Pixels come from the session's Framebuffer (updated outside React)
// and are drawn on requestAnimationFrame only when it changed. The canvas backing store is
// the guest resolution; CSS scales it to fit with the guest's aspect ratio. The viewport
// we report to the host is in device pixels (CSS × devicePixelRatio), so a guest with
// Tools can pick a mode that maps 1:1 onto the HiDPI screen.
//
// Input capture: a click captures keyboard and mouse; Ctrl+Alt releases (shown on screen).
import { useEffect, useRef, useState } from 'react';
import type { VmSession } from '../../store/vmSessions';
import { useVmStore } from '../../store/vmStore';
import { fitSize, toGuestPoint } from './framebuffer';
import { isReleaseChord, RELEASE_KEYS_LABEL } from './capture';

const VIEWPORT_DEBOUNCE_MS = 300;

export function FramebufferCanvas({ session, id }: { session: VmSession; id: string }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const held = useRef(new Set<string>());
  const [captured, setCaptured] = useState(false);
  const [avail, setAvail] = useState({ width: 0, height: 0 });
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
  const size = fitSize(guest, avail);

  const release = (): void => {
    for (const code of held.current) session.send({ kind: 'key', v: 1, code, down: false });
    held.current.clear();
    setCaptured(false);
    canvasRef.current?.blur();
  };

  const pointer = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    if (!captured || guest.width === 0) return;
    const p = toGuestPoint(e.clientX, e.clientY, e.currentTarget.getBoundingClientRect(), guest);
    session.send({ kind: 'pointer', v: 1, x: p.x, y: p.y, buttons: e.buttons });
  };

  return (
    <div className="display" ref={boxRef} data-testid="display">
      <canvas
        ref={canvasRef}
        data-testid="framebuffer"
        tabIndex={0}
        className={captured ? 'captured' : ''}
        style={{ width: size.width, height: size.height }}
        onMouseDown={(e) => {
          if (!captured) {
            e.currentTarget.focus();
            setCaptured(true);
          }
        }}
        onPointerMove={pointer}
        onPointerDown={pointer}
        onPointerUp={pointer}
        onContextMenu={(e) => captured && e.preventDefault()}
        onBlur={() => captured && release()}
        onKeyDown={(e) => {
          if (!captured) return;
          e.preventDefault();
          if (isReleaseChord(e)) {
            release();
            return;
          }
          held.current.add(e.code);
          session.send({ kind: 'key', v: 1, code: e.code, down: true });
        }}
        onKeyUp={(e) => {
          if (!captured || !held.current.delete(e.code)) return;
          e.preventDefault();
          session.send({ kind: 'key', v: 1, code: e.code, down: false });
        }}
      />
      {guest.width === 0 && <div className="display-empty">No display output yet</div>}
      <div className={`capture-hint ${captured ? 'on' : ''}`} data-testid="capture-hint">
        {captured ? `Input captured — press ${RELEASE_KEYS_LABEL} to release` : 'Click the screen to capture keyboard and mouse'}
      </div>
    </div>
  );
}
