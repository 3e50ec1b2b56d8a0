import type { StepEvent } from '@scratchseq/transformer';
import cliProgress from 'cli-progress';

/** Seconds as 1m05s / 42s. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export interface Progress {
  update(event: StepEvent): void;
  /** Prints a line above the bar. */
  log(line: string): void;
  stop(): void;
}

/** A terminal progress bar with loss, learning rate, tokens/s and ETA (plain lines when not a TTY). */
export function progressBar(
  total: number,
  start: number,
  enabled: boolean,
  write: (line: string) => void,
): Progress {
  if (!enabled) {
    let lastPrinted = 0;
    return {
      update(e) {
        // Without a terminal: a line every ~10% so logs stay short.
        if (e.iter === e.maxIters || e.iter - lastPrinted >= Math.max(1, Math.ceil(total / 10))) {
          lastPrinted = e.iter;
          write(
            `step ${e.iter}/${e.maxIters}  loss ${e.loss.toFixed(4)}  lr ${e.lr.toExponential(2)}  ${Math.round(e.tokensPerSecond)} tok/s  ETA ${formatSeconds(e.etaSeconds)}`,
          );
        }
      },
      log: write,
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        'training |{bar}| {value}/{total}  loss {loss}  lr {lr}  {speed} tok/s  ETA {etaText}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { loss: '-', lr: '-', speed: '-', etaText: '?' });
  return {
    update(e) {
      bar.update(e.iter, {
        loss: e.loss.toFixed(4),
        lr: e.lr.toExponential(2),
        speed: Math.round(e.tokensPerSecond),
        etaText: formatSeconds(e.etaSeconds),
      });
    },
    log(line) {
      // Clear the bar's line, print, and let the next update redraw it.
      process.stdout.write('\r\x1b[2K');
      write(line);
    },
    stop() {
      bar.stop();
    },
  };
}
