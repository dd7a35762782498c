/**
 * Registry of models the emulator knows, plus Replicate-style input validation.
 */

export interface EmulatedModelSpec {
  /** "owner/name" */
  model: string;
  /** Version ids, newest first. Defaults to one synthetic id derived from the name. */
  versions?: string[];
  /**
   * Official models accept `POST /models/{owner}/{name}/predictions` and
   * `version: "owner/name"`; community models need a version id (as on Replicate).
   * Default true.
   */
  official?: boolean;
  /** Input keys that must be present (non-empty). Default ['prompt']. */
  requiredInputs?: string[];
  /** 'list' → output is an array of URLs (length from input.num_outputs, default 1); 'single' → one URL. Default 'list'. */
  output?: 'list' | 'single';
  /** Per-model latency override (seconds, mean). */
  latencySeconds?: number;
  /** Per-model jitter override (fraction). */
  jitter?: number;
}

export interface EmulatedModel extends Required<Omit<EmulatedModelSpec, 'latencySeconds' | 'jitter'>> {
  latencySeconds?: number;
  jitter?: number;
}

// Version ids: SDXL's is the public one; flux-schnell's is illustrative (official models hide versions).
export const FLUX_SCHNELL_VERSION = 'c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e';
export const SDXL_VERSION = '39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b';

export const BUILTIN_MODELS: readonly EmulatedModelSpec[] = [
  { model: 'black-forest-labs/flux-schnell', versions: [FLUX_SCHNELL_VERSION], official: true },
  { model: 'stability-ai/sdxl', versions: [SDXL_VERSION], official: false },
];

function syntheticVersion(model: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    for (const ch of `${round}:${model}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

export type Resolution =
  { ok: true; model: EmulatedModel; version: string } | { ok: false; status: 404 | 422; title: string; detail: string };

export class ModelRegistry {
  private readonly byName = new Map<string, EmulatedModel>();
  private readonly byVersion = new Map<string, EmulatedModel>();

  constructor(specs: readonly EmulatedModelSpec[]) {
    for (const spec of specs) this.register(spec);
  }

  register(spec: EmulatedModelSpec): EmulatedModel {
    if (!/^[^/\s]+\/[^/:\s]+$/.test(spec.model))
      throw new Error(`invalid model name "${spec.model}" (want owner/name)`);
    const model: EmulatedModel = {
      model: spec.model,
      versions: spec.versions?.length ? [...spec.versions] : [syntheticVersion(spec.model)],
      official: spec.official ?? true,
      requiredInputs: spec.requiredInputs ?? ['prompt'],
      output: spec.output ?? 'list',
      ...(spec.latencySeconds !== undefined ? { latencySeconds: spec.latencySeconds } : {}),
      ...(spec.jitter !== undefined ? { jitter: spec.jitter } : {}),
    };
    this.byName.set(model.model, model);
    for (const v of model.versions) this.byVersion.set(v, model);
    return model;
  }

  /** `POST /models/{owner}/{name}/predictions` */
  resolveByModel(name: string): Resolution {
    const model = this.byName.get(name);
    if (!model) return notFound(`Model ${name} not found`);
    if (!model.official) {
      return notFound(`Model ${name} is not an official model; create the prediction with a version id`);
    }
    return { ok: true, model, version: model.versions[0]! };
  }

  /** `POST /predictions` with `version`: "<id>", "owner/name:<id>" or (official models) "owner/name". */
  resolveByVersion(ref: unknown): Resolution {
    if (typeof ref !== 'string' || ref === '') {
      return { ok: false, status: 422, title: 'Invalid version or not permitted', detail: 'version is required' };
    }
    const m = /^([^/]+\/[^/:]+)(?::(.+))?$/.exec(ref);
    if (m && m[2] === undefined) return this.resolveByModel(m[1]!);
    const id = m ? m[2]! : ref;
    const model = this.byVersion.get(id);
    if (!model || (m && m[1] !== model.model)) {
      return {
        ok: false,
        status: 422,
        title: 'Invalid version or not permitted',
        detail: 'Invalid version or not permitted',
      };
    }
    return { ok: true, model, version: id };
  }

  /** Returns a problem detail string when the input is invalid, else undefined. */
  validateInput(model: EmulatedModel, input: unknown): string | undefined {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return '- input: Invalid type. Expected: object, given: ' + (input === undefined ? 'null' : typeof input);
    }
    const rec = input as Record<string, unknown>;
    const missing = model.requiredInputs.filter((k) => rec[k] === undefined || rec[k] === null || rec[k] === '');
    if (missing.length) return missing.map((k) => `- input: ${k} is required`).join('\n');
    const n = rec.num_outputs;
    if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 4)) {
      return '- input.num_outputs: Must be an integer between 1 and 4';
    }
    return undefined;
  }
}

function notFound(detail: string): Resolution {
  return { ok: false, status: 404, title: 'Not found', detail };
}
