/**
 * Progress of a push: a bar with rows per second on a terminal, plain lines
 * at most once a second otherwise (CI logs, pipes), so a log never fills
 * with redraw codes. The bar measures bytes of the file read; the figures
 * are rows done (checked, or sent).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Bytes of the file read so far. */
  read(bytes: number): void;
  /** Rows done so far: checked, or accepted by the server. */
  rowsDone(rows: number): void;
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  fileBytes: number;
  /** What is done to the rows: "checked" or "sent". */
  verb: string;
  now?: () => number;
}

export function createProgress({ stream, fileBytes, verb, now = Date.now }: ProgressOptions): Progress {
  const startedAt = now();
  let bytesRead = 0;
  let done = 0;
  const rowsPerSecond = () => Math.round(done / Math.max((now() - startedAt) / 1000, 0.001));
  const percent = () => (fileBytes === 0 ? 100 : Math.floor((bytesRead / fileBytes) * 100));

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `push {bar} {percentage}% | {rows} rows ${verb} | {speed} rows/s | {eta_formatted} left`,
        hideCursor: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(fileBytes, 1), 0, { rows: 0, speed: 0 });
    return {
      read(bytes) {
        bytesRead += bytes;
        bar.update(Math.min(bytesRead, fileBytes), { rows: done, speed: rowsPerSecond() });
      },
      rowsDone(rows) {
        done = rows;
        bar.update({ rows: done, speed: rowsPerSecond() });
      },
      stop() {
        bar.update(Math.min(bytesRead, fileBytes), { rows: done, speed: rowsPerSecond() });
        bar.stop();
      },
    };
  }

  let lastLineAt = startedAt;
  let printed = 0;
  const line = () => {
    printed = done;
    stream.write(`push: ${done} rows ${verb}, ${rowsPerSecond()} rows/s, ${percent()}% of the file read\n`);
  };
  return {
    read(bytes) {
      bytesRead += bytes;
    },
    rowsDone(rows) {
      done = rows;
      if (now() - lastLineAt >= 1000) {
        lastLineAt = now();
        line();
      }
    },
    stop() {
      // The last figure, unless it is printed already; a push that stopped
      // before any row has nothing to add to its error.
      if (done !== printed) line();
    },
  };
}
