// Shared by the SVG tests.

/** A tiny XML well-formedness checker: balanced tags, quoted attributes, escaped text. */
export function checkWellFormed(svg: string): void {
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/y;
  const stack: string[] = [];
  let roots = 0, i = 0;
  const checkText = (t: string, where: number) => {
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(t)) throw new Error(`bare & near ${where}`);
  };
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    if (lt < 0) {
      if (svg.slice(i).trim() !== '') throw new Error('text after root');
      break;
    }
    const text = svg.slice(i, lt);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside root at ${i}`);
    checkText(text, i);
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, close, name, attrs, selfClose] = m;
    checkText(attrs!, lt);
    const names = [...attrs!.matchAll(/([A-Za-z_:][\w:.-]*)\s*=/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}>`);
    if (close) {
      if (attrs || selfClose) throw new Error('bad closing tag');
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}> at ${lt}`);
    } else {
      if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
      if (!selfClose) stack.push(name!);
    }
    i = tag.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error('no root element');
}
