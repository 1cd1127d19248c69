import { CANCEL_EXIT_DEADLINE_MS, watchCancel } from '../../action/cancel';
import { captureStdout, type Captured } from './support/capture';

let out: Captured;
beforeEach(() => {
  out = captureStdout();
  jest.useFakeTimers();
});
afterEach(() => {
  out.restore();
  jest.useRealTimers();
});

describe('watchCancel', () => {
  it('aborts on SIGINT, says so, and exits by itself before the runner kills the process', () => {
    const exit = jest.fn();
    const onDeadline = jest.fn();
    const watch = watchCancel(onDeadline, exit);
    process.emit('SIGINT', 'SIGINT');
    expect(watch.signal.aborted).toBe(true);
    expect(out.lines.some((l) => l.startsWith('::warning::Received SIGINT: stopping'))).toBe(true);
    process.emit('SIGTERM', 'SIGTERM');
    jest.advanceTimersByTime(CANCEL_EXIT_DEADLINE_MS - 1);
    expect(exit).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onDeadline).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
    watch.dispose();
  });

  it('exits even when the last-moment report throws', () => {
    const exit = jest.fn();
    const watch = watchCancel(() => {
      throw new Error('disk full');
    }, exit);
    process.emit('SIGTERM', 'SIGTERM');
    expect(() => jest.advanceTimersByTime(CANCEL_EXIT_DEADLINE_MS)).toThrow('disk full');
    expect(exit).toHaveBeenCalledWith(1);
    watch.dispose();
  });

  it('stops listening once disposed', () => {
    const before = process.listenerCount('SIGTERM');
    const watch = watchCancel(jest.fn(), jest.fn());
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    watch.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
