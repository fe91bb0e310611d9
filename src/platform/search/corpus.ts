import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

// The laws corpus of ../shared/data (3,468 real Chinese laws, see its README), for search tests and the
// benchmark. It is not part of the project: a user's machine has no ../shared/, so callers check
// lawsCorpusPath() and skip when it is null.

export interface Law {
  title: string;
  category: string;
  region: string;
  version_date: string;
  text: string;
}

/** One article-sized piece of a law: 第…条 with its text, or a plain paragraph. */
export interface LawParagraph {
  lawTitle: string;
  category: string;
  region: string;
  /** YYYY-MM-DD of the law's version. */
  date: string;
  /** 第十二条, or '' for a paragraph that is not an article. */
  article: string;
  text: string;
}

/**
 * The corpus file, or null when absent: GONGKAI_LAWS_CORPUS when set (a missing path then means "no corpus",
 * which is how the tests' fallback is exercised), else ../shared/data/laws-corpus.jsonl.gz.
 */
export function lawsCorpusPath(): string | null {
  const env = process.env.GONGKAI_LAWS_CORPUS;
  if (env) return fs.existsSync(env) ? env : null;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, '../../../../shared/data/laws-corpus.jsonl.gz'),
    path.resolve(process.cwd(), '../shared/data/laws-corpus.jsonl.gz'),
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** The laws of the corpus, in file order. */
export async function* readLaws(file: string): AsyncGenerator<Law> {
  const rl = readline.createInterface({
    input: fs.createReadStream(file).pipe(zlib.createGunzip()),
    crlfDelay: Infinity,
  });
  try {
    for await (const line of rl) {
      if (line.trim() === '') continue;
      yield JSON.parse(line) as Law;
    }
  } finally {
    rl.close();
  }
}

const ARTICLE = /^(第[〇零一二三四五六七八九十百千]+条)\s*/u;

/** The articles and paragraphs of every law (headings and very short lines left out). */
export async function* lawParagraphs(file: string, minLength = 20): AsyncGenerator<LawParagraph> {
  for await (const law of readLaws(file)) {
    for (const raw of law.text.split(/\n+/)) {
      const p = raw.trim();
      if (p.length < minLength || p.startsWith('#')) continue;
      const m = ARTICLE.exec(p);
      yield {
        lawTitle: law.title,
        category: law.category,
        region: law.region,
        date: /^\d{4}-\d{2}-\d{2}$/.test(law.version_date ?? '') ? law.version_date : '2000-01-01',
        article: m ? m[1] : '',
        text: m ? p.slice(m[0].length) : p,
      };
    }
  }
}
