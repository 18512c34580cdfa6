// Server errors onto form fields: a 400's `errors[]` names the JSON field of each problem, so each
// message lands under the input it belongs to; whatever has no such input becomes a form-level
// message. A 429 becomes a wait with its seconds.
import { ApiError } from './client';

export interface MappedErrors {
  /** Messages per known field, in the server's order. */
  fields: Record<string, string[]>;
  /** Messages that belong to no field on the form (or the problem's detail). */
  form: string[];
  /** Seconds to wait, for a 429. */
  retryAfter?: number;
}

export function mapServerErrors(error: unknown, knownFields: readonly string[]): MappedErrors {
  const out: MappedErrors = { fields: {}, form: [] };
  if (!(error instanceof ApiError)) {
    out.form.push(error instanceof Error ? error.message : String(error));
    return out;
  }
  if (error.status === 429) {
    out.retryAfter = error.retryAfter ?? 60;
    return out;
  }
  for (const e of error.problem?.errors ?? []) {
    if (knownFields.includes(e.field)) {
      (out.fields[e.field] ??= []).push(e.message);
    } else {
      out.form.push(e.field === 'body' ? e.message : `${e.field}: ${e.message}`);
    }
  }
  if (Object.keys(out.fields).length === 0 && out.form.length === 0) {
    out.form.push(error.problem?.detail || error.message);
  }
  return out;
}

/**
 * Puts mapped errors into a react-hook-form form (first field focused); returns the
 * form-level messages and the wait, for the caller to show.
 */
export function applyServerErrors<F extends string>(
  setError: (name: F, error: { type: string; message: string }, options?: { shouldFocus: boolean }) => void,
  error: unknown,
  knownFields: readonly F[],
): Pick<MappedErrors, 'form' | 'retryAfter'> {
  const mapped = mapServerErrors(error, knownFields);
  let first = true;
  for (const [field, messages] of Object.entries(mapped.fields)) {
    setError(field as F, { type: 'server', message: messages.join('; ') }, { shouldFocus: first });
    first = false;
  }
  return { form: mapped.form, retryAfter: mapped.retryAfter };
}
