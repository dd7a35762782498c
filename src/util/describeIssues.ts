import type { z } from 'zod';

/**
 * The one way a schema's complaints become words, for the API (400 with `fields`), the CLI (a
 * usage error naming the flag) and the configuration (naming the variable). Each front end only
 * says how a path is spelled where it is ("--scenes", "tasks.3.prompt", "API_PORT").
 */
export interface IssueField {
  path: string;
  message: string;
}

export interface DescribedIssues {
  /** At most `max` problems, each with its path. */
  fields: IssueField[];
  /** "path: problem; path: problem (and 3 more)". */
  message: string;
}

export interface DescribeOptions {
  /** How a path is named here (a flag, a variable); default `a.b.0.c`, `(body)` for the root. */
  label?: (path: string) => string;
  /** A request with 1000 bad items would list 1000 fields, so lists stop at `max` (default 20). */
  max?: number;
  /** Say zod's generic wording the way a person reads it ("must be at most 12"). */
  plain?: boolean;
}

export function describeIssues(error: z.ZodError, options: DescribeOptions = {}): DescribedIssues {
  const { label = (path) => path || '(body)', max = 20, plain = false } = options;
  const all = error.issues.flatMap((issue): IssueField[] => {
    const path = issue.path.map(String).join('.');
    // An unknown key is a problem with that key, so name it as the field.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: `unknown field "${key}"` }));
    }
    return [{ path, message: plain ? plainMessage(issue) : issue.message }];
  });
  const fields = all.slice(0, max);
  const more = all.length > max ? ` (and ${all.length - max} more)` : '';
  const message = fields
    .map((f) => {
      const name = label(f.path);
      return plain && f.message.startsWith('must ') ? `${name} ${f.message}` : `${name}: ${f.message}`;
    })
    .join('; ');
  return { fields, message: `${message}${more}` };
}

/** zod's generic wording said plainly; messages the schemas wrote themselves pass through. */
function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big' && issue.origin === 'number') return `must be at most ${issue.maximum}`;
  if (issue.code === 'too_small' && issue.origin === 'number') return `must be at least ${issue.minimum}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}
