/**
 * Deterministic, sentence-aware split of a story into scenes. Sentences are never cut unless the
 * story has fewer sentences than scenes, in which case the longest pieces are split at clause
 * boundaries (commas, semicolons) and, failing that, between words.
 */

// A sentence ends at terminal punctuation (Latin, CJK full-width, ellipsis), plus closing quotes.
const SENTENCE = /[^.!?。！？…]+(?:[.!?。！？…]+["'»”』」)]*|$)/gu;
const CLAUSE_BREAK = /(?<=[,;:，、；：])\s*/u;

export function splitSentences(text: string): string[] {
  const normalized = text.replace(/\s+/gu, ' ').trim();
  return (normalized.match(SENTENCE) ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function splitIntoScenes(story: string, sceneCount: number): string[] {
  let pieces = splitSentences(story);
  if (pieces.length === 0) return [];
  while (pieces.length < sceneCount) {
    const longest = pieces.reduce((best, p, i) => (p.length > pieces[best]!.length ? i : best), 0);
    const halves = splitInTwo(pieces[longest]!);
    if (!halves) break;
    pieces = [...pieces.slice(0, longest), ...halves, ...pieces.slice(longest + 1)];
  }
  return groupBalanced(pieces, Math.min(sceneCount, pieces.length));
}

/** Splits a piece near its middle at a clause break, else a space, else between characters. */
function splitInTwo(piece: string): [string, string] | undefined {
  const chars = [...piece];
  if (chars.length < 8) return undefined;
  const middle = chars.length / 2;
  const clauses = piece.split(CLAUSE_BREAK).filter(Boolean);
  if (clauses.length > 1) {
    let best: [string, string] | undefined;
    let bestDistance = Infinity;
    for (let i = 1; i < clauses.length; i++) {
      const left = clauses.slice(0, i).join(' ').trim();
      const distance = Math.abs([...left].length - middle);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = [left, clauses.slice(i).join(' ').trim()];
      }
    }
    if (best && Math.min(best[0].length, best[1].length) >= 3) return best;
  }
  const spaces = [...piece.matchAll(/ /gu)].map((m) => m.index);
  if (spaces.length > 0) {
    const cut = spaces.reduce((a, b) => (Math.abs(b - piece.length / 2) < Math.abs(a - piece.length / 2) ? b : a));
    return [piece.slice(0, cut).trim(), piece.slice(cut + 1).trim()];
  }
  const cut = Math.round(middle);
  return [chars.slice(0, cut).join(''), chars.slice(cut).join('')];
}

/**
 * Groups consecutive pieces into `groups` scenes of near-equal length (linear partition by
 * dynamic programming, minimising the longest scene), keeping the story's order.
 */
function groupBalanced(pieces: string[], groups: number): string[] {
  const lengths = pieces.map((p) => [...p].length + 1);
  const n = pieces.length;
  const prefix = [0];
  for (const len of lengths) prefix.push(prefix.at(-1)! + len);
  const sum = (i: number, j: number) => prefix[j]! - prefix[i]!;
  // cost[g][i]: best max-group-length splitting the first i pieces into g groups.
  const cost: number[][] = Array.from({ length: groups + 1 }, () => Array<number>(n + 1).fill(Infinity));
  const cut: number[][] = Array.from({ length: groups + 1 }, () => Array<number>(n + 1).fill(0));
  cost[0]![0] = 0;
  for (let g = 1; g <= groups; g++) {
    for (let i = g; i <= n; i++) {
      for (let k = g - 1; k < i; k++) {
        const candidate = Math.max(cost[g - 1]![k]!, sum(k, i));
        if (candidate < cost[g]![i]!) {
          cost[g]![i] = candidate;
          cut[g]![i] = k;
        }
      }
    }
  }
  const scenes: string[] = [];
  let end = n;
  for (let g = groups; g >= 1; g--) {
    const start = cut[g]![end]!;
    scenes.unshift(joinPieces(pieces.slice(start, end)));
    end = start;
  }
  return scenes;
}

function joinPieces(pieces: string[]): string {
  // CJK sentences are written without spaces between them.
  const cjkEnd = /[\u3000-\u9fff\uff00-\uffef]$/u;
  const cjkStart = /^[\u3000-\u9fff\uff00-\uffef]/u;
  return pieces.reduce((text, p) => {
    if (text === '') return p;
    return cjkEnd.test(text) && cjkStart.test(p) ? text + p : `${text} ${p}`;
  }, '');
}
