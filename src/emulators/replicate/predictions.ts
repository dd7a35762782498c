/**
 * Prediction store and lifecycle: starting → processing → succeeded/failed,
 * cancel, Replicate-shaped JSON, and output files with a TTL.
 */
import { randomBytes } from 'node:crypto';
import type { Accounting, TerminalStatus } from './accounting.js';
import type { Outcome } from './faults.js';
import type { InputFile } from './inputs.js';
import { contentTypeOf, outputMetrics, outputNames, type RenderContext, renderOutput } from './media.js';
import type { EmulatedModel } from './models.js';
import type { ResolvedOptions } from './options.js';
import { drawLatencyMs, type Rng } from './random.js';
import { MediaTools } from './tools.js';
import { readInputFile } from './inputReading.js';
import { Vocabulary } from './transcribe.js';
import type { WebhookEvent } from './webhooks.js';

/** Told of every transition with the webhook events it stands for; delivery is the listener's business. */
export type TransitionListener = (rec: PredictionRecord, events: readonly WebhookEvent[]) => void;

export type PredictionStatus = 'starting' | 'processing' | TerminalStatus;

export interface PredictionRecord {
  id: string;
  token: string;
  model: string;
  spec: EmulatedModel;
  version: string;
  input: Record<string, unknown>;
  extra: Record<string, unknown>;
  status: PredictionStatus;
  logs: string;
  outputFiles: string[];
  singleOutput: boolean;
  error: string | null;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** Origin ("http://host:port") the prediction was created through; used for URLs. */
  origin: string;
  outcome: Outcome;
  latencyMs: number;
  timers: NodeJS.Timeout[];
  /** The model's file input (start image, first frame, a tool's picture), when it was given one. */
  inputFile?: InputFile;
  /** An inpainting model's mask. */
  maskFile?: InputFile;
  /** A model whose output is JSON (speech recognition, a caption): that output, once made. */
  jsonOutput?: unknown;
  /** The recognition or caption, started with the prediction so it is done when the latency is over. */
  listening?: Promise<unknown>;
}

/** An output file as served: its bytes and content type. */
export interface OutputFile {
  bytes: Buffer;
  contentType: string;
}

export interface CreateArgs {
  token: string;
  model: EmulatedModel;
  version: string;
  input: Record<string, unknown>;
  /** Other body fields echoed back (webhook, webhook_events_filter). */
  extra: Record<string, unknown>;
  origin: string;
  outcome: Outcome;
  inputFile?: InputFile;
  maskFile?: InputFile;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function newId(): string {
  const bytes = randomBytes(26);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b & 31];
  return id;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class PredictionStore {
  private readonly records = new Map<string, PredictionRecord>();
  /** Each output file is made once, on first request, then served from here: "<id>/<name>" → bytes. */
  private readonly media = new Map<string, Promise<Buffer>>();
  private readonly render: RenderContext;
  private readonly vocabulary: Vocabulary;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly accounting: Accounting,
    private readonly latencyRng: () => Rng,
    private readonly onTransition: TransitionListener = () => {},
  ) {
    this.render = {
      tools: new MediaTools({ ffmpeg: opts.ffmpegPath, espeak: opts.espeakPath }),
      imageSize: opts.imageSize,
      videoScale: opts.videoScale,
    };
    this.vocabulary = new Vocabulary(this.render.tools);
  }

  create(args: CreateArgs): PredictionRecord {
    const { model } = args;
    const latencyMs = drawLatencyMs(
      this.latencyRng(),
      model.latencySeconds ?? this.opts.latencyFor(model.kind),
      model.jitter ?? this.opts.jitter,
    );
    const rec: PredictionRecord = {
      id: newId(),
      token: args.token,
      model: model.model,
      spec: model,
      version: args.version,
      input: args.input,
      extra: args.extra,
      status: 'starting',
      logs: '',
      outputFiles: [],
      singleOutput: model.output === 'single',
      error: null,
      createdAt: Date.now(),
      origin: args.origin,
      outcome: args.outcome,
      latencyMs,
      timers: [],
      ...(args.inputFile ? { inputFile: args.inputFile } : {}),
      ...(args.maskFile ? { maskFile: args.maskFile } : {}),
    };
    this.records.set(rec.id, rec);
    if (rec.outcome.kind === 'succeed' && rec.inputFile) {
      rec.listening = readInputFile(model.media, rec.inputFile, this.render.tools, this.vocabulary);
      rec.listening?.catch(() => undefined); // reported when the prediction finishes
    }
    const startMs = Math.round(latencyMs * this.opts.startingFraction);
    rec.timers.push(
      this.timer(startMs, () => this.start(rec)),
      this.timer(latencyMs, () => this.finish(rec)),
    );
    return rec;
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }

  private start(rec: PredictionRecord): void {
    if (rec.status !== 'starting') return;
    rec.status = 'processing';
    rec.startedAt = Date.now();
    const seed = typeof rec.input.seed === 'number' ? rec.input.seed : (rec.id.charCodeAt(0) * 7919) % 65536;
    rec.logs = `Using seed: ${seed}\nRunning prediction...\n`;
    this.onTransition(rec, ['start', 'logs']);
  }

  private finish(rec: PredictionRecord): void {
    if (rec.status !== 'starting' && rec.status !== 'processing') return;
    this.start(rec); // zero-length "processing" if both timers fire in the same tick
    const { outcome } = rec;
    if (outcome.kind === 'succeed' && (rec.spec.kind === 'transcript' || rec.spec.kind === 'caption')) {
      void this.finishJson(rec);
    } else if (outcome.kind === 'succeed') {
      rec.outputFiles = outputNames(rec.spec, rec.input);
      const n = rec.outputFiles.length;
      const what = rec.spec.kind === 'image' ? `${n} image(s)` : rec.spec.kind === 'video' ? 'video' : 'audio';
      rec.logs += `100%|██████████| 4/4 [00:00<00:00]\nGenerated ${what}\n`;
      this.terminate(rec, 'succeeded');
    } else if (outcome.kind === 'transient') {
      rec.error = outcome.error;
      this.terminate(rec, 'failed');
    } else {
      rec.error = outcome.error;
      rec.logs += outcome.logs;
      this.terminate(rec, 'failed');
    }
  }

  /** Recognition (or captioning) runs when the latency is over; the prediction succeeds once its JSON is made. */
  private async finishJson(rec: PredictionRecord): Promise<void> {
    try {
      if (!rec.listening)
        throw new Error(`ValueError: ${rec.spec.kind === 'caption' ? 'image' : 'audio_file'} is required`);
      const output = await rec.listening;
      if (rec.status !== 'processing') return; // cancelled meanwhile
      rec.jsonOutput = output;
      rec.logs +=
        rec.spec.kind === 'caption'
          ? 'Described the image\n'
          : `Transcribed ${(output as { segments: unknown[] }).segments.length} segment(s)\n`;
      this.terminate(rec, 'succeeded');
    } catch (err) {
      if (rec.status !== 'processing') return;
      rec.error = err instanceof Error ? err.message : String(err);
      rec.logs += `${rec.error}\n`;
      this.terminate(rec, 'failed');
    }
  }

  private terminate(rec: PredictionRecord, status: TerminalStatus): void {
    for (const t of rec.timers) clearTimeout(t);
    rec.timers = [];
    rec.status = status;
    rec.completedAt = Date.now();
    this.accounting.recordTerminal(rec.token, status, rec.completedAt - rec.createdAt);
    this.onTransition(rec, status === 'succeeded' ? ['completed', 'output', 'logs'] : ['completed', 'logs']);
  }

  get(id: string): PredictionRecord | undefined {
    return this.records.get(id);
  }

  /** Cancel if still running; returns the record (unchanged if already terminal). */
  cancel(id: string): PredictionRecord | undefined {
    const rec = this.records.get(id);
    if (rec && (rec.status === 'starting' || rec.status === 'processing')) this.terminate(rec, 'canceled');
    return rec;
  }

  /** Newest first. */
  list(): PredictionRecord[] {
    return [...this.records.values()].reverse();
  }

  private expired(rec: PredictionRecord, now = Date.now()): boolean {
    return rec.completedAt !== undefined && now >= rec.completedAt + this.opts.fileTtlSeconds * 1000;
  }

  /**
   * An output file (made on first request, then cached), 'expired', or undefined when it never
   * existed. A file that fails to be made is not cached, so the next request tries again.
   */
  file(id: string, name: string): Promise<OutputFile> | 'expired' | undefined {
    const rec = this.records.get(id);
    if (!rec || rec.status !== 'succeeded') return undefined;
    const index = rec.outputFiles.indexOf(name);
    if (index < 0) return undefined;
    const key = `${id}/${name}`;
    if (this.expired(rec)) {
      this.media.delete(key);
      return 'expired';
    }
    let made = this.media.get(key);
    if (!made) {
      made = renderOutput(this.render, rec.spec, rec.input, index, rec.inputFile?.load, rec.maskFile?.load);
      this.media.set(key, made);
      made.catch(() => {
        if (this.media.get(key) === made) this.media.delete(key);
      });
    }
    return made.then((bytes) => ({ bytes, contentType: contentTypeOf(name) }));
  }

  toJson(rec: PredictionRecord): Record<string, unknown> {
    const api = `${rec.origin}${this.opts.basePath}/predictions/${rec.id}`;
    const urls = rec.outputFiles.map((f) => `${rec.origin}/files/${rec.id}/${f}`);
    const files = rec.singleOutput ? urls[0] : urls;
    const output = rec.status !== 'succeeded' ? null : rec.jsonOutput !== undefined ? rec.jsonOutput : files;
    const metrics: Record<string, number> = {};
    if (rec.status === 'succeeded' && rec.startedAt !== undefined && rec.completedAt !== undefined) {
      metrics.predict_time = (rec.completedAt - rec.startedAt) / 1000;
      metrics.total_time = (rec.completedAt - rec.createdAt) / 1000;
      Object.assign(metrics, outputMetrics(rec.spec, rec.input, rec.outputFiles.length));
    }
    return {
      id: rec.id,
      model: rec.model,
      version: rec.version,
      input: rec.input,
      logs: rec.logs,
      output,
      data_removed: this.expired(rec),
      error: rec.error,
      status: rec.status,
      source: 'api',
      created_at: iso(rec.createdAt),
      ...(rec.startedAt !== undefined ? { started_at: iso(rec.startedAt) } : {}),
      ...(rec.completedAt !== undefined ? { completed_at: iso(rec.completedAt) } : {}),
      urls: { get: api, cancel: `${api}/cancel` },
      metrics,
      ...rec.extra,
    };
  }

  /** Drop everything (timers included). In-flight accounting is reset by the caller. */
  clear(): void {
    for (const rec of this.records.values()) for (const t of rec.timers) clearTimeout(t);
    this.records.clear();
    this.media.clear();
  }
}
