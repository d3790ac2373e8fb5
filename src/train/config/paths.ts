// Path functions for the configuration: a pure posix-style default, so that
// resolving and writing a configuration needs no Node imports (config-file.ts
// has Node's).

/** Path functions; the default is `posixPath`, config-file.ts has Node's. */
export interface PathOps {
  isAbsolute(p: string): boolean;
  /** `p` against the folder `base` (p itself when absolute). */
  resolve(base: string, p: string): string;
  /** The path of `to` relative to the folder `from`. */
  relative(from: string, to: string): string;
}

function posixNormalize(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  const body = out.join('/');
  return abs ? `/${body}` : body === '' ? '.' : body;
}

/** Pure posix-style path functions (a Windows drive path counts as absolute). */
export const posixPath: PathOps = {
  isAbsolute: (p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'),
  resolve(base, p) {
    if (posixPath.isAbsolute(p)) return p;
    return posixNormalize(base === '' ? p : `${base}/${p}`);
  },
  relative(from, to) {
    const fa = from.startsWith('/'), ta = to.startsWith('/');
    if (fa !== ta || /^[A-Za-z]:[\\/]/.test(to) || to.startsWith('\\\\')) return to;
    const f = posixNormalize(from).split('/').filter((s) => s !== '' && s !== '.');
    const t = posixNormalize(to).split('/').filter((s) => s !== '' && s !== '.');
    let i = 0;
    while (i < f.length && i < t.length && f[i] === t[i]) i++;
    if (f.slice(i).includes('..')) return to; // cannot climb out of an unknown folder
    const rel = [...f.slice(i).map(() => '..'), ...t.slice(i)].join('/');
    return rel === '' ? '.' : rel;
  },
};
