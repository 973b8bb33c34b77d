// Keyboard and mouse capture for the guest screen, as VMware Workstation grabs input: a
// click captures; while captured the Keyboard Lock API takes the system keys (Super,
// Alt+Tab, Esc — Chromium honours it in full screen, https://wicg.github.io/keyboard-lock/)
// and Pointer Lock keeps the mouse in the VM; a clean Ctrl+Alt press-and-release gives both
// back (capture.ts). Where a lock is refused (a browser outside full screen, headless
// Chromium) capture still works with absolute pointer positions.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { VmSession } from '../../store/vmSessions';
import { ReleaseChord } from './capture';
import { movedGuestPoint, toGuestPoint, type Size } from './scaling';

/** navigator.keyboard (Keyboard Lock) is not in TypeScript's DOM library yet. */
type KeyboardLock = { lock(codes?: string[]): Promise<void>; unlock(): void };
const keyboardLock = (): KeyboardLock | undefined => (navigator as Navigator & { keyboard?: KeyboardLock }).keyboard;

export interface InputCapture {
  captured: boolean;
  pointerLocked: boolean;
  capture(canvas: HTMLCanvasElement): void;
  release(): void;
  handlers: Pick<
    React.DOMAttributes<HTMLCanvasElement>,
    'onKeyDown' | 'onKeyUp' | 'onPointerMove' | 'onPointerDown' | 'onPointerUp' | 'onContextMenu' | 'onBlur'
  >;
}

export function useInputCapture(session: VmSession, guest: Size): InputCapture {
  const [captured, setCaptured] = useState(false);
  const [pointerLocked, setPointerLocked] = useState(false);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const held = useRef(new Set<string>());
  const chord = useRef(new ReleaseChord());
  const at = useRef({ x: 0, y: 0 });

  const release = useCallback((): void => {
    for (const code of held.current) session.send({ kind: 'key', v: 1, code, down: false });
    held.current.clear();
    chord.current.reset();
    setCaptured(false);
    keyboardLock()?.unlock();
    if (document.pointerLockElement === canvasRef.current) document.exitPointerLock();
    canvasRef.current?.blur();
  }, [session]);

  const capture = useCallback((canvas: HTMLCanvasElement): void => {
    canvasRef.current = canvas;
    canvas.focus();
    setCaptured(true);
    keyboardLock()
      ?.lock()
      .catch(() => undefined);
    Promise.resolve()
      .then(() => canvas.requestPointerLock())
      .catch(() => undefined);
  }, []);

  // Pointer lock comes and goes on its own (the browser drops it on Esc outside full
  // screen): losing it while captured ends the capture, as Workstation's grab does.
  useEffect(() => {
    const onChange = (): void => {
      const locked = !!canvasRef.current && document.pointerLockElement === canvasRef.current;
      setPointerLocked((was) => {
        if (was && !locked) release();
        return locked;
      });
    };
    document.addEventListener('pointerlockchange', onChange);
    return () => document.removeEventListener('pointerlockchange', onChange);
  }, [release]);

  const pointer = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    if (!captured || guest.width === 0) return;
    const rect = e.currentTarget.getBoundingClientRect();
    at.current = pointerLocked ? movedGuestPoint(at.current, e.movementX, e.movementY, rect, guest) : toGuestPoint(e.clientX, e.clientY, rect, guest);
    session.send({ kind: 'pointer', v: 1, x: at.current.x, y: at.current.y, buttons: e.buttons });
  };

  const handlers: InputCapture['handlers'] = {
    onPointerMove: pointer,
    onPointerDown: pointer,
    onPointerUp: pointer,
    onContextMenu: (e) => captured && e.preventDefault(),
    onBlur: () => captured && release(),
    onKeyDown: (e) => {
      if (!captured) return;
      e.preventDefault();
      chord.current.down(e.code);
      // Auto-repeat goes on as repeated key-downs, as a PS/2 keyboard's typematic does.
      held.current.add(e.code);
      session.send({ kind: 'key', v: 1, code: e.code, down: true });
    },
    onKeyUp: (e) => {
      if (!captured) return;
      e.preventDefault();
      const releasing = chord.current.up(e.code);
      if (held.current.delete(e.code)) session.send({ kind: 'key', v: 1, code: e.code, down: false });
      if (releasing) release();
    },
  };

  return { captured, pointerLocked, capture, release, handlers };
}
