/** Captures what @actions/core writes to stdout (commands like ::add-mask:: and log lines). */
export interface Captured {
  lines: string[];
  restore(): void;
  /** Lines that are `::add-mask::<value>`, in order, as values. */
  masks(): string[];
  /** Plain log lines (no ::command::). */
  info(): string[];
}

/** Starts capturing stdout; call restore() in afterEach. */
export function captureStdout(): Captured {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(
      ...String(chunk)
        .split(/\r?\n/)
        .filter((l) => l !== ''),
    );
    return true;
  });
  return {
    lines,
    restore: () => {
      spy.mockRestore();
      void original;
    },
    masks: () => lines.filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice(12)),
    info: () => lines.filter((l) => !l.startsWith('::')),
  };
}
