/**
 * The model catalog. A model id is `<served id>` or `<served id>:<tag>[:<tag>…]`, where each tag
 * is a plan fault name or `slow`; so `gpt-4o-mini:plan-fenced:slow` is a slow gpt-4o-mini answering
 * in fences, and one emulator serves every case side by side. A served id that itself holds a colon
 * (Ollama's `llama3.1:8b`) matches as a whole first.
 */
import { isPlanFault, type PlanFault } from './faults.js';

export interface ModelChoice {
  id: string;
  /** The plan fault this model name asks for, if any (the last one named wins). */
  planFault: PlanFault | undefined;
  slow: boolean;
}

/** A fixed date: listings are data the tests compare, so nothing in them moves. */
const CREATED = 1_721_172_741;

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export class ModelCatalog {
  private readonly served: ReadonlySet<string>;

  constructor(private readonly ids: readonly string[]) {
    this.served = new Set(ids);
  }

  resolve(id: string): ModelChoice | undefined {
    if (this.served.has(id)) return { id, planFault: isPlanFault(id) ? id : undefined, slow: false };
    const [base, ...tags] = id.split(':');
    if (base === undefined || !this.served.has(base) || tags.length === 0) return undefined;
    if (!tags.every((t) => t === 'slow' || isPlanFault(t))) return undefined;
    const faults = [base, ...tags].filter(isPlanFault);
    return { id, planFault: faults.at(-1), slow: tags.includes('slow') };
  }

  list(): ModelObject[] {
    return this.ids.map((id) => this.object(id));
  }

  object(id: string): ModelObject {
    return { id, object: 'model', created: CREATED, owned_by: isPlanFault(id) ? 'emulator-faults' : 'emulator' };
  }
}
