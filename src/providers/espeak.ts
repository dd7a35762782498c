import { spawn } from 'node:child_process';
import type { Language } from '../domain/shortRequest.js';
import type { NarrationProvider } from './types.js';

const VOICE_BY_LANGUAGE: Record<Language, string> = {
  en: 'en-us',
  ru: 'ru',
  zh: 'cmn',
  ko: 'ko',
  ja: 'ja',
};

export class ToolNotFoundError extends Error {
  override name = 'ToolNotFoundError';
}

/** Offline narration with espeak-ng: robotic, but real speech in every language we accept. */
export function createEspeakProvider({
  espeakPath,
  wordsPerMinute = 160,
}: {
  espeakPath: string;
  wordsPerMinute?: number;
}): NarrationProvider {
  return {
    name: 'espeak-ng',
    offline: true,
    voiceFor(language, voice) {
      return voice ?? VOICE_BY_LANGUAGE[language];
    },
    synthesize({ text, voice: chosen, outPath, signal }) {
      return new Promise((resolve, reject) => {
        // Text goes through stdin, never argv: no length limit, no option injection from a story.
        const child = spawn(
          espeakPath,
          ['-v', chosen, '-s', String(wordsPerMinute), '-b', '1', '-w', outPath, '--stdin'],
          {
            signal,
            stdio: ['pipe', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') reject(new ToolNotFoundError(`espeak-ng was not found at "${espeakPath}"`));
          else reject(err);
        });
        child.on('close', (code) => {
          if (code === 0) resolve();
          else reject(new Error(`espeak-ng exited with ${code}: ${stderr.trim() || 'no message'} (voice "${chosen}")`));
        });
        child.stdin.on('error', () => {}); // an early exit is reported by 'close'
        child.stdin.end(text);
      });
    },
  };
}
