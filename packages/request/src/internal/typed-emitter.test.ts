import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './typed-emitter.js';

type Events = { a: [number]; b: [] };

/** Runs the same steps on Node's EventEmitter and the typed emitter; the logs must match. */
function both(
  steps: (
    e: Pick<EventEmitter, 'on' | 'off' | 'once' | 'emit' | 'listenerCount' | 'removeAllListeners'>,
    log: string[],
  ) => void,
): void {
  const nodeLog: string[] = [];
  const ourLog: string[] = [];
  steps(new EventEmitter(), nodeLog);
  steps(new TypedEmitter<Events>() as unknown as EventEmitter, ourLog);
  expect(ourLog).toEqual(nodeLog);
}

describe('TypedEmitter', () => {
  it('behaves as EventEmitter for on, once, off, emit and counts', () => {
    both((e, log) => {
      const one = (n: number) => log.push(`one ${n}`);
      const two = (n: number) => log.push(`two ${n}`);
      e.on('a', one);
      e.once('a', two);
      e.on('a', one);
      log.push(`count ${e.listenerCount('a')}`);
      log.push(`emit ${e.emit('a', 1)}`);
      log.push(`count ${e.listenerCount('a')}`);
      e.off('a', one);
      log.push(`emit ${e.emit('a', 2)}`);
      e.off('a', one);
      log.push(`emit ${e.emit('a', 3)} ${e.emit('b')}`);
      e.once('a', one);
      e.off('a', one);
      log.push(`count ${e.listenerCount('a')}`);
      e.on('b', () => log.push('b'));
      e.removeAllListeners();
      log.push(`emit ${e.emit('b')}`);
    });
  });

  it('a listener removed or added during emit, and a throwing one, as EventEmitter', () => {
    both((e, log) => {
      const late = () => log.push('late');
      e.on('b', () => {
        log.push('first');
        e.off('b', late);
        e.on('b', () => log.push('added'));
      });
      e.on('b', late);
      e.emit('b');
      e.emit('b');
      e.removeAllListeners('b');
      e.on('b', () => {
        throw new Error('boom');
      });
      e.on('b', () => log.push('after throw'));
      try {
        e.emit('b');
      } catch (error) {
        log.push((error as Error).message);
      }
    });
  });
});
