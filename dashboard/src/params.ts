// Form fields generated from a workflow's `params`, and reading them back as the values a run is started with.

/** One parameter as a form field. */
export interface ParamField {
  name: string;
  /** The default as the field shows it: strings as they are, anything else as JSON; '' when there is none. */
  text: string;
  /** True when the definition gives no default (null): the run needs a value. */
  required: boolean;
  /** string: the value is sent as typed; json: the default is a number, boolean, list or object, so the text is read as JSON. */
  kind: 'string' | 'json';
}

/** The fields of a definition's params, in their order. */
export function paramFields(params: Record<string, unknown> | null | undefined): ParamField[] {
  return Object.entries(params ?? {}).map(([name, value]) => {
    if (value === null || value === undefined) return { name, text: '', required: true, kind: 'string' };
    if (typeof value === 'string') return { name, text: value, required: false, kind: 'string' };
    return { name, text: JSON.stringify(value), required: false, kind: 'json' };
  });
}

/**
 * The values to send: a field whose text equals its default is left out (the run takes the default), a JSON field must
 * parse, a required field must be filled. A string field's text is sent as it is. Errors name the field.
 */
export function readParams(fields: readonly ParamField[], texts: ReadonlyMap<string, string>): { values: Record<string, unknown>; errors: string[] } {
  const values: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const field of fields) {
    const text = texts.get(field.name) ?? field.text;
    if (field.required && text.trim() === '') {
      errors.push(`${field.name} is required`);
      continue;
    }
    if (!field.required && text === field.text) continue;
    if (field.kind === 'json') {
      try {
        values[field.name] = JSON.parse(text) as unknown;
      } catch {
        errors.push(`${field.name} must be JSON like its default ${field.text}`);
      }
    } else {
      values[field.name] = text;
    }
  }
  return { values, errors };
}

/** A backfill range from two `datetime-local` values read as UTC; an error when either is missing or `to` is before `from`. */
export function backfillRange(from: string, to: string): { from: string; to: string } | { error: string } {
  const parse = (text: string): Date | null => {
    if (text.trim() === '') return null;
    const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
    return Number.isNaN(date.getTime()) ? null : date;
  };
  const start = parse(from);
  const end = parse(to);
  if (!start || !end) return { error: 'Give both ends of the range (UTC).' };
  if (end < start) return { error: "'To' is before 'from'." };
  return { from: start.toISOString().replace(/\.000Z$/, 'Z'), to: end.toISOString().replace(/\.000Z$/, 'Z') };
}
