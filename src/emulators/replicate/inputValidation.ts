/**
 * Replicate-style input validation: required inputs, each field's schema rule (type, enum, range) and
 * the image models' `num_outputs`, phrased as Replicate's (pydantic) 422 phrases them.
 */
import type { EmulatedModel, FieldRule } from './models.js';

/** A failed validation: Replicate's detail text plus its `invalid_fields` list. */
export interface InputProblem {
  detail: string;
  invalidFields: { type: string; field: string; description: string }[];
}

/** The problem with an input, phrased as Replicate's 422 phrases it, or undefined when it is valid. */
export function inputProblem(model: EmulatedModel, input: unknown): InputProblem | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const given = input === undefined ? 'null' : Array.isArray(input) ? 'array' : typeof input;
    return problem([
      { type: 'invalid_type', field: 'input', description: `Invalid type. Expected: object, given: ${given}` },
    ]);
  }
  const rec = input as Record<string, unknown>;
  const missing = model.requiredInputs.filter((k) => rec[k] === undefined || rec[k] === null || rec[k] === '');
  if (missing.length) {
    return problem(missing.map((k) => ({ type: 'required', field: 'input', description: `${k} is required` })));
  }
  const issues: InputProblem['invalidFields'] = [];
  for (const [field, rule] of Object.entries(model.inputRules)) {
    const value = rec[field];
    if (value === undefined || value === null) continue;
    const broken = breaks(field, value, rule);
    if (broken) issues.push({ type: broken.type, field: `input.${field}`, description: broken.description });
  }
  if (issues.length) return problem(issues);
  if (model.kind === 'image') {
    const n = rec.num_outputs;
    if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 4)) {
      return problem([
        { type: 'number_range', field: 'input.num_outputs', description: 'Must be an integer between 1 and 4' },
      ]);
    }
  }
  return undefined;
}

function problem(invalidFields: InputProblem['invalidFields']): InputProblem {
  return { detail: invalidFields.map((f) => `- ${f.field}: ${f.description}`).join('\n'), invalidFields };
}

function typeOf(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** How `value` breaks `rule`, in Replicate's words, or undefined. */
function breaks(field: string, value: unknown, rule: FieldRule): { type: string; description: string } | undefined {
  if (rule.type) {
    const given = typeOf(value);
    const ok = rule.type === 'number' ? typeof value === 'number' && Number.isFinite(value) : given === rule.type;
    if (!ok) return { type: 'invalid_type', description: `Invalid type. Expected: ${rule.type}, given: ${given}` };
  }
  if (rule.enum && !rule.enum.includes(value as string | number)) {
    const options = rule.enum.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');
    return { type: 'enum', description: `${field} must be one of the following: ${options}` };
  }
  if (typeof value === 'number') {
    if (rule.min !== undefined && value < rule.min)
      return { type: 'number_gte', description: `Must be greater than or equal to ${rule.min}` };
    if (rule.max !== undefined && value > rule.max)
      return { type: 'number_lte', description: `Must be less than or equal to ${rule.max}` };
  }
  return undefined;
}
