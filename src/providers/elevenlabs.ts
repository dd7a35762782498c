import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { writeFile } from 'node:fs/promises';
import type { Language } from '../domain/shortRequest.js';
import { describeEndpoint } from '../llm/client.js';
import { wordsFromCharacters } from './alignment.js';
import { httpFailure } from './failures.js';
import type { NarrationProvider } from './types.js';
import { wavFromPcm } from '../media/wav.js';

/**
 * Premade voices that speak every language through eleven_multilingual_v2, by name, so a request
 * may say "Rachel" instead of an id; any other value is taken as a voice id.
 */
export const ELEVENLABS_VOICES: Record<string, string> = {
  Rachel: '21m00Tcm4TlvDq8ikWAM',
  Sarah: 'EXAVITQu4vr4xnSDxMaL',
  Charlotte: 'XB0fDUnXU5powFXDhCwa',
  Matilda: 'XrExE9yKIg1WjnnlVkGX',
  Aria: '9BWtsMINqrJLrRacOk9x',
  Adam: 'pNInz6obpgDQGcFmaJgB',
};

const VOICE_BY_LANGUAGE: Record<Language, string> = {
  en: 'Rachel',
  ru: 'Sarah',
  zh: 'Charlotte',
  ko: 'Matilda',
  ja: 'Aria',
};

export interface ElevenLabsOptions {
  baseUrl: string;
  apiKey: string;
  maskedKey: string;
  model: string;
}

/**
 * Narration from ElevenLabs' with-timestamps endpoint: the audio and a character alignment, which
 * becomes word timings so caption pages change at the spoken word.
 */
export function createElevenLabsProvider(options: ElevenLabsOptions): NarrationProvider {
  const client = new ElevenLabsClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    maxRetries: 0,
    timeoutInSeconds: 120,
  });
  const service = describeEndpoint('ElevenLabs', options.baseUrl);
  return {
    name: 'elevenlabs',
    offline: false,
    voiceFor: (language, voice) => voice ?? VOICE_BY_LANGUAGE[language],
    async synthesize({ text, voice, model, speed, outPath, signal }) {
      const modelId = model ?? options.model;
      let response;
      try {
        response = await client.textToSpeech.convertWithTimestamps(
          ELEVENLABS_VOICES[voice] ?? voice,
          {
            text,
            modelId,
            // PCM: nothing is lost before our own 48 kHz normalisation.
            outputFormat: 'pcm_44100',
            ...(speed ? { voiceSettings: { speed } } : {}),
          },
          { abortSignal: signal, maxRetries: 0 },
        );
      } catch (err) {
        if (signal.aborted) throw err;
        throw elevenLabsFailure(err, service, options.maskedKey);
      }
      await writeFile(outPath, wavFromPcm(Buffer.from(response.audioBase64, 'base64'), 44_100));
      const a = response.alignment;
      return a
        ? {
            words: wordsFromCharacters(a.characters, a.characterStartTimesSeconds, a.characterEndTimesSeconds),
            wordsSource: 'provider',
          }
        : undefined;
    },
  };
}

function elevenLabsFailure(err: unknown, service: string, maskedKey: string) {
  const context = {
    family: 'Speech' as const,
    service,
    maskedKey,
    doing: 'speaking a scene',
    keyVariable: 'ELEVENLABS_API_KEY',
  };
  if (err instanceof ElevenLabsError && err.statusCode !== undefined) {
    const detail = (err.body as { detail?: { status?: string; message?: string } | string } | undefined)?.detail;
    const status = typeof detail === 'object' ? detail.status : undefined;
    const message = typeof detail === 'object' ? (detail.message ?? '') : String(detail ?? err.message);
    return httpFailure({
      ...context,
      status: err.statusCode,
      headers: err.rawResponse?.headers,
      detail: message,
      quotaExceeded: status === 'quota_exceeded',
      modelNotFound: status === 'voice_not_found' || status === 'model_not_found',
    });
  }
  return httpFailure({ ...context, detail: err instanceof Error ? err.message : String(err) });
}
