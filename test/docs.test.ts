// The documents a user reads: the README stays a front page, and every link in it and in docs/ leads
// somewhere (a file of the repository, and the heading an anchor names).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = ['README.md', 'CHANGELOG.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The anchors GitHub gives a Markdown file's headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const text = heading.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** The Markdown links and images of a document, outside code blocks and code spans. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((match) => match[1]);
}

describe('the documentation', () => {
  it('has a README under 15 KB: a front page, with measurements in docs/benchmarks.md', () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThan(15_000);
  });

  it.each(documents)('%s: every relative link resolves, anchors included', (document) => {
    const text = readFileSync(join(root, document), 'utf8');
    const broken: string[] = [];
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [path, anchor] = link.split('#');
      const target = path === '' ? join(root, document) : join(root, dirname(document), decodeURIComponent(path));
      if (!existsSync(target) || relative(root, target).startsWith('..')) {
        broken.push(`${link} (no file ${relative(root, target)})`);
      } else if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${link} (no heading #${anchor} in ${relative(root, target)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('finds the links and anchors it checks', () => {
    expect(links('See [the guide](docs/guide.md#threads) and ![a picture](a.png). `[not](this.md)`')).toEqual(['docs/guide.md#threads', 'a.png']);
    expect([...anchors('# Saving and loading\n## `fit` options\n## Errors\n## Errors\n```\n# not a heading\n```')]).toEqual([
      'saving-and-loading', 'fit-options', 'errors', 'errors-1',
    ]);
  });
});
