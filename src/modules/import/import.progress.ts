import cliProgress from 'cli-progress';

// Progress of an import on stderr: a bar on a terminal, a plain line every few seconds otherwise (logs,
// CI, a pipe), so stdout keeps only the report.

export interface Progress {
  /**
   * Says the file is being read and split (an Excel workbook of 100,000 rows takes several seconds), with the
   * time spent so far, until the first update() or stop().
   */
  reading(what: string): void;
  update(done: number, total: number): void;
  stop(): void;
}

/** The reading notice: on a terminal one line rewritten every second, otherwise a line every `everyMs`. */
function readingNotice(stream: NodeJS.WriteStream, everyMs: number) {
  let timer: NodeJS.Timeout | null = null;
  let shown = false;
  return {
    start(what: string) {
      if (timer) return;
      const t0 = Date.now();
      const seconds = () => Math.floor((Date.now() - t0) / 1000);
      if (stream.isTTY) {
        const draw = () => stream.write(`\r\x1b[K正在读取 ${what}…（${seconds()} 秒）`);
        draw();
        shown = true;
        timer = setInterval(draw, 1000);
      } else {
        stream.write(`正在读取 ${what}…\n`);
        timer = setInterval(() => stream.write(`仍在读取文件（已用 ${seconds()} 秒）…\n`), everyMs);
      }
      timer.unref();
    },
    end() {
      if (timer) clearInterval(timer);
      timer = null;
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

export function progressOnStderr(
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 3000,
  label = '导入',
  unit = '行',
): Progress {
  const notice = readingNotice(stream, everyMs);
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
      reading: (what) => notice.start(what),
      update(done, total) {
        notice.end();
        const rate = Math.round((done * 1000) / Math.max(1, Date.now() - t0));
        if (!started) {
          bar.start(total, done, { rate });
          started = true;
        } else bar.update(done, { rate });
      },
      stop() {
        notice.end();
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  let lastDone = -1;
  return {
    reading: (what) => notice.start(what),
    update(done, total) {
      notice.end();
      const now = Date.now();
      if (done === lastDone || (now - last < everyMs && done < total)) return;
      last = now;
      lastDone = done;
      stream.write(`${label}进度：${done}/${total} ${unit}（${total ? Math.floor((done * 100) / total) : 100}%）\n`);
    },
    stop() {
      notice.end();
    },
  };
}
