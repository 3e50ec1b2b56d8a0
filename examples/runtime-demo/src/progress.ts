/** A one-line progress report with rate and ETA, redrawn in place on a terminal. */
export function progress(total: number, label: string) {
  const start = performance.now();
  const tty = process.stdout.isTTY;
  return {
    update(done: number, extra = ''): void {
      const elapsed = (performance.now() - start) / 1000;
      const rate = done / Math.max(elapsed, 1e-9);
      const eta = (total - done) / Math.max(rate, 1e-9);
      const width = 24;
      const filled = Math.round((done / total) * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const line = `${label} ${bar} ${done}/${total} ${rate.toFixed(1)} it/s ETA ${eta.toFixed(1)}s ${extra}`;
      if (tty) process.stdout.write(`\r${line}`);
      else if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)
        console.log(line);
    },
    done(): void {
      if (tty) process.stdout.write('\n');
    },
  };
}
