import { AUDIO_MODELS } from './audio.js';
import { IMAGE_MODELS } from './images.js';
import { TOOL_MODELS } from './tools.js';
import type { CatalogModel, ModelKind } from './types.js';
import { VIDEO_MODELS } from './videos.js';

/** generate is SDXL itself, already in IMAGE_MODELS. */
const TOOLS_OF_THEIR_OWN = TOOL_MODELS.filter((m) => m.tool !== 'generate');

export const CATALOG: readonly CatalogModel[] = [
  ...IMAGE_MODELS,
  ...VIDEO_MODELS,
  ...AUDIO_MODELS,
  ...TOOLS_OF_THEIR_OWN,
];

const BY_NAME = new Map(CATALOG.map((m) => [m.model, m]));
const BY_VERSION = new Map(CATALOG.flatMap((m) => (m.version ? [[m.version, m] as const] : [])));

/** `owner/name` and the version (if any) of a model reference. */
export function parseModelRef(modelRef: string): { name: string; version?: string } {
  const [name = '', version] = modelRef.trim().split(':');
  return version ? { name, version } : { name };
}

/**
 * The catalogued model behind `owner/name`, `owner/name:version` (any version of a catalogued model
 * maps its fields the same way) or a bare version id the catalog knows; undefined otherwise.
 */
export function catalogModel(modelRef: string): CatalogModel | undefined {
  const { name, version } = parseModelRef(modelRef);
  if (name.includes('/')) return BY_NAME.get(name);
  return BY_VERSION.get(version ?? name);
}

/** Every catalogued model of a kind, in catalog order (the first is the default choice). */
export function modelsOfKind(kind: ModelKind): readonly CatalogModel[] {
  return CATALOG.filter((m) => m.kind === kind);
}
