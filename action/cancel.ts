import * as core from '@actions/core';

/**
 * After a cancel signal the process exits by itself within this time, whatever is
 * pending.
 */
export const CANCEL_EXIT_DEADLINE_MS = 4_500;

/** The run's cancel signal, fed by SIGINT and SIGTERM, and a way to stop listening. */
export interface CancelWatch {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Listens for the runner's cancel (SIGINT, then SIGTERM 7.5 s later): aborts the signal
 * so
 * the wait stops and rollback runs, and makes sure the process is gone before the kill,
 * calling `onDeadline` first so an unfinished run still reports where it stands.
 */
export function watchCancel(
  onDeadline: () => void = () => undefined,
  exit: (code: number) => void = (code) => process.exit(code),
): CancelWatch {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    core.warning(
      `Received ${name}: stopping; services this run changed go back if rollback is on.`,
    );
    controller.abort(new Error(name));
    const deadline = () => {
      try {
        onDeadline();
      } finally {
        exit(1);
      }
    };
    setTimeout(deadline, CANCEL_EXIT_DEADLINE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
