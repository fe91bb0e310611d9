// Trees (organizations, directory columns) shown flat: in a <select> or a table, each entry indented by its depth
// with full-width spaces, which screen readers skip and every font renders at the same width.

const INDENT = '\u3000';

/** The label indented for its depth in the tree (0 = top level). */
export function indented(depth: number, label: string): string {
  return `${INDENT.repeat(Math.max(0, depth))}${label}`;
}

export interface TreeOptionRules<T> {
  value(node: T): string;
  label(node: T): string;
  /** Whether the node is listed; its children are visited either way. Default: all. */
  include?(node: T): boolean;
  /** Leaves the node and its whole subtree out (e.g. a column cannot be moved under itself). */
  prune?(node: T): boolean;
  /** Depth of the top level, when something is listed above it. Default 0. */
  startDepth?: number;
}

/** A depth-first, indented list of `<option>` values for a tree given by its children function. */
export function treeOptions<T extends { id: number }>(
  children: (parentId: number | null) => readonly T[],
  rules: TreeOptionRules<T>,
): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  const walk = (parent: number | null, depth: number) => {
    for (const node of children(parent)) {
      if (rules.prune?.(node)) continue;
      if (rules.include?.(node) ?? true)
        out.push({ value: rules.value(node), label: indented(depth, rules.label(node)) });
      walk(node.id, depth + 1);
    }
  };
  walk(null, rules.startDepth ?? 0);
  return out;
}
