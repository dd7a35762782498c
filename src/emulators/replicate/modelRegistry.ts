/**
 * The models an emulator serves, found the ways Replicate finds them: by "owner/name" for official
 * models, by version id (or "owner/name:id") for any.
 */
import { type InputProblem, inputProblem } from './inputValidation.js';
import { type EmulatedModel, type EmulatedModelSpec, genericProfile } from './models.js';

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
    const kind = spec.media?.kind ?? spec.kind ?? 'image';
    if (spec.kind && spec.media && spec.media.kind !== spec.kind)
      throw new Error(
        `model "${spec.model}": kind "${spec.kind}" does not match its media profile (${spec.media.kind})`,
      );
    const model: EmulatedModel = {
      model: spec.model,
      versions: spec.versions?.length ? [...spec.versions] : [syntheticVersion(spec.model)],
      official: spec.official ?? true,
      requiredInputs: spec.requiredInputs ?? ['prompt'],
      output: spec.output ?? 'list',
      kind,
      media: spec.media ?? genericProfile(kind),
      inputRules: spec.inputRules ?? {},
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

  /** The problem with an input, phrased as Replicate's 422 phrases it, or undefined when it is valid. */
  validateInput(model: EmulatedModel, input: unknown): InputProblem | undefined {
    return inputProblem(model, input);
  }
}

function notFound(detail: string): Resolution {
  return { ok: false, status: 404, title: 'Not found', detail };
}
