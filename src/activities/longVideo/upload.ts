/**
 * A stored file handed to a model through Replicate's files API. The file belongs to the key that
 * uploads it, and a prediction can only read its own account's files, so the key that predicts
 * uploads. Uploads cost nothing; a resumed attempt's prediction already has its file and ignores
 * the new one.
 */
import type { KeyClient } from '../../replicate/client.js';
import { failureFromClientError } from '../../replicate/errors.js';
import type { Storage } from '../../storage/index.js';

const CONTENT_TYPES: Record<string, string> = {
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  mka: 'audio/x-matroska',
  mkv: 'video/x-matroska',
  jpg: 'image/jpeg',
};

/** The file's URL for the prediction's input (`urls.get`). */
export async function uploadForPrediction(
  own: KeyClient,
  storage: Storage,
  ref: string,
  what: string,
): Promise<string> {
  const ext = ref.slice(ref.lastIndexOf('.') + 1);
  const bytes = await storage.read(ref);
  const type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
  try {
    const file = await own.client.files.create(new Blob([bytes], { type }), { purpose: type.split('/')[0]! });
    return file.urls.get;
  } catch (err) {
    throw failureFromClientError(err, own.key, `uploading ${what}`);
  }
}
