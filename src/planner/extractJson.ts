/**
 * Finds the JSON object in what a model said. Models wrap it in markdown fences, put prose around
 * it, or think aloud first (`<think>…</think>` from reasoning models); the object is the same.
 * Returns undefined when there is no parseable object at all.
 */
export function extractJson(text: string): unknown {
  const withoutThinking = text.replace(/<think>[\s\S]*?(<\/think>|$)/gi, '').trim();
  for (const candidate of candidates(withoutThinking)) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

function* candidates(text: string): Generator<string> {
  yield text;
  for (const fence of text.matchAll(/```(?:json|JSON)?\s*\n?([\s\S]*?)```/g)) yield fence[1]!.trim();
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    const end = matchingBrace(text, start);
    if (end > start) yield text.slice(start, end + 1);
  }
}

/** Index of the `}` that closes the `{` at `start`, skipping strings; -1 when it never closes. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
