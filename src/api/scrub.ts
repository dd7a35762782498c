import { redact } from '../security/redact.js';

/**
 * Messages from workers can quote file paths and, through a provider's error, credentials: the data
 * directory is nobody's business outside, and a secret must never leave in a response.
 */
export function scrubForClients(text: string, dataDir: string): string {
  const withoutPaths = dataDir.length > 1 ? text.split(dataDir).join('<data>') : text;
  return redact(withoutPaths);
}
