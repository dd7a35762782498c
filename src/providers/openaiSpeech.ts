import { writeFile } from 'node:fs/promises';
import OpenAI from 'openai';
import type { Language } from '../domain/shortRequest.js';
import { describeEndpoint, openAiFailure } from '../llm/client.js';
import type { NarrationProvider } from './types.js';

/** OpenAI's voices speak every language; these suit a narrator in each. */
const VOICE_BY_LANGUAGE: Record<Language, string> = { en: 'alloy', ru: 'onyx', zh: 'nova', ko: 'shimmer', ja: 'nova' };

export interface OpenAiSpeechOptions {
  baseUrl: string;
  apiKey?: string;
  maskedKey?: string;
  model: string;
}

/** Narration through an OpenAI-compatible `/audio/speech` endpoint, as WAV. */
export function createOpenAiSpeechProvider(options: OpenAiSpeechOptions): NarrationProvider {
  const client = new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey ?? 'none',
    maxRetries: 0,
    timeout: 120_000,
  });
  const service = describeEndpoint('the OpenAI speech endpoint', options.baseUrl);
  return {
    name: 'openai',
    offline: false,
    voiceFor: (language, voice) => voice ?? VOICE_BY_LANGUAGE[language],
    async synthesize({ text, voice, model, speed, outPath, signal }) {
      let audio: ArrayBuffer;
      try {
        const response = await client.audio.speech.create(
          { model: model ?? options.model, input: text, voice, response_format: 'wav', ...(speed ? { speed } : {}) },
          { signal },
        );
        audio = await response.arrayBuffer();
      } catch (err) {
        if (signal.aborted) throw err;
        throw openAiFailure(err, {
          family: 'Speech',
          service,
          maskedKey: options.maskedKey,
          doing: 'speaking a scene',
          keyVariable: 'OPENAI_TTS_API_KEY',
        });
      }
      // Node writes the bytes, so a full disk fails here with ENOSPC instead of leaving a short file.
      await writeFile(outPath, Buffer.from(audio));
    },
  };
}
