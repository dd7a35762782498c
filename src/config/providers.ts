import { z } from 'zod';
import { MODEL_REF } from '../domain/fields.js';
import { NARRATION_PROVIDERS, type NarrationProviderName } from '../domain/shortRequest.js';
import { maskToken } from '../security/redact.js';

/**
 * The AI services besides Replicate: an OpenAI-compatible LLM for planning, and the voices. Every
 * base URL is configurable, so Ollama, vLLM, LM Studio, OpenRouter, proxies and the emulators fit.
 * Errors name variables, never values.
 */
export interface LlmConfig {
  baseUrl: string;
  /** Absent for servers that need none (Ollama, LM Studio). */
  apiKey?: string;
  maskedKey?: string;
  model: string;
  timeoutMs: number;
  /** How to ask for JSON: `auto` tries json_schema, then json_object, then plain text. */
  structuredOutput: 'auto' | 'json_schema' | 'json_object' | 'text';
}

export interface ProvidersConfig {
  /** Present when LLM_MODEL or LLM_API_KEY is set: then the LLM plans shorts by default. */
  llm?: LlmConfig;
  speech: {
    defaultProvider: NarrationProviderName;
    openai?: { baseUrl: string; apiKey?: string; maskedKey?: string; model: string };
    elevenlabs?: { baseUrl: string; apiKey: string; maskedKey: string; model: string };
    /** Replicate speech model, run on the key pool. */
    replicateModel: string;
  };
  /** Replicate music model for `music.source: "replicate"`. */
  replicateMusicModel: string;
  /** Replicate models for video scenes: text-to-video (`visuals: "video"`) and image-to-video. */
  replicateVideoModel: string;
  replicateImageToVideoModel: string;
  /** The one fetcher for user-supplied URLs (src/net/safeFetch.ts). */
  fetch: {
    /** Hosts or CIDRs it may reach although they are private (FETCH_ALLOW). */
    allow: string[];
    maxBytes: number;
    timeoutMs: number;
  };
}

const OPENAI = 'https://api.openai.com/v1';

const envSchema = z.object({
  LLM_BASE_URL: z.url().default(OPENAI),
  LLM_API_KEY: z.string().trim().min(1).optional(),
  LLM_MODEL: z.string().trim().min(1).max(200).optional(),
  LLM_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(900).default(120),
  LLM_STRUCTURED_OUTPUT: z.enum(['auto', 'json_schema', 'json_object', 'text']).default('auto'),
  NARRATION_PROVIDER: z.enum(NARRATION_PROVIDERS).default('espeak'),
  OPENAI_TTS_BASE_URL: z.url().optional(),
  OPENAI_TTS_API_KEY: z.string().trim().min(1).optional(),
  OPENAI_TTS_MODEL: z.string().trim().min(1).default('gpt-4o-mini-tts'),
  ELEVENLABS_BASE_URL: z.url().default('https://api.elevenlabs.io'),
  ELEVENLABS_API_KEY: z.string().trim().min(1).optional(),
  ELEVENLABS_MODEL: z.string().trim().min(1).default('eleven_multilingual_v2'),
  REPLICATE_SPEECH_MODEL: z.string().regex(MODEL_REF).default('minimax/speech-02-turbo'),
  // Community model: runs by version (replicate.com/meta/musicgen/versions).
  REPLICATE_MUSIC_MODEL: z
    .string()
    .regex(MODEL_REF)
    .default('meta/musicgen:671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb'),
  // Video scenes: text-to-video for `visuals: "video"`, image-to-video for `"image-to-video"`.
  REPLICATE_VIDEO_MODEL: z.string().regex(MODEL_REF).default('kwaivgi/kling-v2.5-turbo-pro'),
  REPLICATE_I2V_MODEL: z.string().regex(MODEL_REF).default('kwaivgi/kling-v2.1'),
  FETCH_ALLOW: z.string().default(''),
  FETCH_MAX_MB: z.coerce.number().min(1).max(10_000).default(50),
  FETCH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export function parseProvidersConfig(env: NodeJS.ProcessEnv): { config?: ProvidersConfig; issues?: z.ZodError } {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) return { issues: parsed.error };
  const e = parsed.data;
  const llmConfigured = e.LLM_MODEL !== undefined || e.LLM_API_KEY !== undefined;
  const openAiKey = e.OPENAI_TTS_API_KEY ?? (e.LLM_BASE_URL === OPENAI ? e.LLM_API_KEY : undefined);
  const openAiSpeechConfigured = e.OPENAI_TTS_BASE_URL !== undefined || openAiKey !== undefined;
  return {
    config: {
      ...(llmConfigured
        ? {
            llm: {
              baseUrl: trimSlash(e.LLM_BASE_URL),
              ...keyFields(e.LLM_API_KEY),
              model: e.LLM_MODEL ?? 'gpt-4o-mini',
              timeoutMs: e.LLM_TIMEOUT_SECONDS * 1000,
              structuredOutput: e.LLM_STRUCTURED_OUTPUT,
            },
          }
        : {}),
      speech: {
        defaultProvider: e.NARRATION_PROVIDER,
        ...(openAiSpeechConfigured
          ? {
              openai: {
                baseUrl: trimSlash(e.OPENAI_TTS_BASE_URL ?? OPENAI),
                ...keyFields(openAiKey),
                model: e.OPENAI_TTS_MODEL,
              },
            }
          : {}),
        ...(e.ELEVENLABS_API_KEY
          ? {
              elevenlabs: {
                baseUrl: trimSlash(e.ELEVENLABS_BASE_URL),
                apiKey: e.ELEVENLABS_API_KEY,
                maskedKey: maskToken(e.ELEVENLABS_API_KEY),
                model: e.ELEVENLABS_MODEL,
              },
            }
          : {}),
        replicateModel: e.REPLICATE_SPEECH_MODEL,
      },
      replicateMusicModel: e.REPLICATE_MUSIC_MODEL,
      replicateVideoModel: e.REPLICATE_VIDEO_MODEL,
      replicateImageToVideoModel: e.REPLICATE_I2V_MODEL,
      fetch: {
        allow: e.FETCH_ALLOW.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        maxBytes: Math.round(e.FETCH_MAX_MB * 1024 * 1024),
        timeoutMs: e.FETCH_TIMEOUT_SECONDS * 1000,
      },
    },
  };
}

function keyFields(key: string | undefined): { apiKey?: string; maskedKey?: string } {
  return key ? { apiKey: key, maskedKey: maskToken(key) } : {};
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
