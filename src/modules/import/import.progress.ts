import cliProgress from 'cli-progress';

// Progress of an import on stderr: a bar on a terminal, a plain line every few seconds otherwise (logs,
// CI, a pipe), so stdout keeps only the report.

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressOnStderr(
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 3000,
  label = '导入',
  unit = '行',
): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label}中 [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/秒 | 剩余 {eta_formatted}`,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = Date.now();
    let started = false;
    return {
      update(done, total) {
        const rate = Math.round((done * 1000) / Math.max(1, Date.now() - t0));
        if (!started) {
          bar.start(total, done, { rate });
          started = true;
        } else bar.update(done, { rate });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  let lastDone = -1;
  return {
    update(done, total) {
      const now = Date.now();
      if (done === lastDone || (now - last < everyMs && done < total)) return;
      last = now;
      lastDone = done;
      stream.write(`${label}进度：${done}/${total} ${unit}（${total ? Math.floor((done * 100) / total) : 100}%）\n`);
    },
    stop() {},
  };
}
