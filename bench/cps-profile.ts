/**
 * Reads a V8 `.cpuprofile` (inspector `Profiler.stop`) for bench/cps.ts: the functions
 * with the most self time, and self time summed by area (a `src/` folder, a package, Node
 * internals), native frames counted in the area of the nearest JavaScript caller. Reads a
 * sampling heap profile (`HeapProfiler.stopSampling`) the same way: self bytes allocated
 * by function and by area.
 */

/** One node of a V8 CPU profile. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** The parts of a `.cpuprofile` we read. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
}

/** A function (or an area) and its share of the samples. */
export interface ProfileLine {
  selfPct: number;
  name: string;
  /** `file:line` relative to the repository, a package, or `(native)`; the area for area lines. */
  where: string;
}

/** Self samples per node id. */
function selfHits(profile: CpuProfile): Map<number, number> {
  const hits = new Map<number, number>();
  if (profile.samples !== undefined) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  return hits;
}

/**
 * A frame's name for the tables. V8 names a native function by its entry point, which every
 * N-API function shares: all of the UDP addon's ops (sends, reads, watches) show under the
 * name it registers last, `formatAddress` (native/agentline_udp.c says so at its init).
 */
export function frameName(functionName: string, url: string): string {
  if (functionName === 'formatAddress' && url === '') return 'UDP addon ops (agentline_udp)';
  return functionName || '(anonymous)';
}

/** The `top` functions by self time (idle and GC kept: they say where time went too). */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileLine[] {
  const hits = selfHits(profile);
  const byKey = new Map<string, { name: string; where: string; n: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (n === 0) continue;
    total += n;
    const name = frameName(node.callFrame.functionName, node.callFrame.url);
    const where = shorten(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}@${where}`;
    const entry = byKey.get(key) ?? { name, where, n: 0 };
    entry.n += n;
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .sort((a, b) => b.n - a.n)
    .slice(0, top)
    .map((e) => ({ selfPct: total === 0 ? 0 : (100 * e.n) / total, name: e.name, where: e.where }));
}

/** Self time by area; a native frame counts for the area of its nearest caller with a URL. */
export function summarizeAreas(profile: CpuProfile, top: number): ProfileLine[] {
  const hits = selfHits(profile);
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node);
  const areas = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (n === 0) continue;
    total += n;
    let at: ProfileNode | undefined = node;
    while (at !== undefined && at.callFrame.url === '' && parent.has(at.id)) at = parent.get(at.id);
    const name = node.callFrame.functionName;
    const area = name === '(idle)' || name === '(garbage collector)' || name === '(program)' ? name : areaOf(at?.callFrame.url ?? '');
    areas.set(area, (areas.get(area) ?? 0) + n);
  }
  return [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([area, n]) => ({ selfPct: total === 0 ? 0 : (100 * n) / total, name: area, where: area }));
}

function areaOf(url: string): string {
  if (url === '') return '(native, no caller)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 13).split('/')[0] ?? url;
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1).split('/').slice(0, 2).join('/');
  return url;
}

function shorten(url: string, line: number): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  const src = url.indexOf('/src/');
  const path = nm >= 0 ? url.slice(nm + 13) : src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
  return `${path}:${line + 1}`;
}

/** One node of a V8 sampling heap profile. */
export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Bytes allocated by this function itself (sampled, scaled to the estimate of all bytes). */
  selfSize: number;
  children: HeapProfileNode[];
}

/** The parts of a `.heapprofile` we read. */
export interface HeapProfile {
  head: HeapProfileNode;
}

/** A function (or an area) and the bytes it allocated. */
export interface HeapLine {
  bytes: number;
  /** Share of all bytes allocated, %. */
  pct: number;
  name: string;
  /** `file:line` as in {@link ProfileLine}, or the area for area lines. */
  where: string;
}

/** Every node with its nearest caller that has a URL (native frames' area), depth first. */
function heapNodes(head: HeapProfileNode): Array<{ node: HeapProfileNode; caller: string }> {
  const out: Array<{ node: HeapProfileNode; caller: string }> = [];
  const stack: Array<{ node: HeapProfileNode; caller: string }> = [{ node: head, caller: '' }];
  while (stack.length > 0) {
    const at = stack.pop() as { node: HeapProfileNode; caller: string };
    const caller = at.node.callFrame.url === '' ? at.caller : at.node.callFrame.url;
    out.push({ node: at.node, caller });
    for (const c of at.node.children) stack.push({ node: c, caller });
  }
  return out;
}

/** Bytes allocated in all, the `top` functions by self bytes, and self bytes by area. */
export function summarizeHeap(profile: HeapProfile, top: number): { totalBytes: number; functions: HeapLine[]; areas: HeapLine[] } {
  const byKey = new Map<string, { name: string; where: string; bytes: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const { node, caller } of heapNodes(profile.head)) {
    if (node.selfSize === 0) continue;
    total += node.selfSize;
    const name = frameName(node.callFrame.functionName, node.callFrame.url);
    const where = shorten(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}@${where}`;
    const entry = byKey.get(key) ?? { name, where, bytes: 0 };
    entry.bytes += node.selfSize;
    byKey.set(key, entry);
    const area = name.startsWith('(') && caller === '' ? name : areaOf(caller);
    areas.set(area, (areas.get(area) ?? 0) + node.selfSize);
  }
  const line = (name: string, where: string, bytes: number): HeapLine =>
    ({ bytes, pct: total === 0 ? 0 : (100 * bytes) / total, name, where });
  return {
    totalBytes: total,
    functions: [...byKey.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top).map((e) => line(e.name, e.where, e.bytes)),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([a, n]) => line(a, a, n)),
  };
}
