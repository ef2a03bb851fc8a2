/**
 * Loads tree-sitter-bash once (WASM) and parses shell source. Trees are freed by the
 * caller through `withTree` so WASM memory does not grow with traffic.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type SyntaxNode = Node;

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

export function initShellParser(): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    await Parser.init();
    const lang = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const p = new Parser();
    p.setLanguage(lang);
    parser = p;
  })();
  return loading;
}

export function withTree<T>(src: string, fn: (root: SyntaxNode, tree: Tree) => T): T {
  if (!parser) throw new Error('shell parser not initialized');
  const tree = parser.parse(src);
  if (!tree) throw new Error('shell parse failed');
  try {
    return fn(tree.rootNode, tree);
  } finally {
    tree.delete();
  }
}
