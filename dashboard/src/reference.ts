// The API reference, generated from the OpenAPI document the host serves (GET /api/openapi.json): operations by tag, with
// their parameters, request bodies and answers, and the schemas they use. Read defensively: a field the page does not
// know is skipped, never trusted as markup (every text goes in as a text node).

import { h } from './dom';

type Json = Record<string, unknown>;

/** A schema as shown: its type in one line and, for an object, its fields. */
export interface SchemaView {
  type: string;
  /** The component it names, when it is a reference. */
  ref: string | null;
  fields: FieldView[];
}

export interface FieldView {
  name: string;
  type: string;
  ref: string | null;
  required: boolean;
  description: string;
}

export interface ParameterView {
  name: string;
  in: string;
  required: boolean;
  type: string;
  description: string;
}

export interface ContentView {
  media: string;
  schema: SchemaView;
  example: string | null;
}

export interface OperationView {
  method: string;
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tag: string;
  role: string | null;
  secured: boolean;
  parameters: ParameterView[];
  request: { required: boolean; contents: ContentView[] } | null;
  responses: Array<{ status: string; description: string; contents: ContentView[]; headers: string[] }>;
}

export interface ReferenceView {
  title: string;
  version: string;
  description: string;
  servers: string[];
  tags: Array<{ name: string; description: string; operations: OperationView[] }>;
  schemas: Array<{ name: string; schema: SchemaView; description: string }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Reads an OpenAPI 3.x document into what the page shows; operations keep the document's order within their tag. */
export function buildReference(document: unknown): ReferenceView {
  const doc = obj(document);
  const info = obj(doc['info']);
  const schemas = obj(obj(doc['components'])['schemas']);
  const operations: OperationView[] = [];
  for (const [path, item] of Object.entries(obj(doc['paths']))) {
    const pathItem = obj(item);
    const shared = arr(pathItem['parameters']);
    for (const method of METHODS) {
      if (!(method in pathItem)) continue;
      const op = obj(pathItem[method]);
      const tags = arr(op['tags']).filter((t): t is string => typeof t === 'string');
      const body = op['requestBody'] === undefined ? null : obj(op['requestBody']);
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: str(op['operationId']),
        summary: str(op['summary']),
        description: str(op['description']),
        tag: tags[0] ?? 'other',
        role: typeof op['x-loom-role'] === 'string' ? op['x-loom-role'] : null,
        secured: op['security'] === undefined ? doc['security'] !== undefined && arr(doc['security']).length > 0 : arr(op['security']).length > 0,
        parameters: [...shared, ...arr(op['parameters'])].map((p) => {
          const param = obj(p);
          return { name: str(param['name']), in: str(param['in']), required: param['required'] === true, type: typeText(param['schema']), description: str(param['description']) };
        }),
        request: body === null ? null : { required: body['required'] === true, contents: contents(body['content'], schemas) },
        responses: Object.entries(obj(op['responses'])).map(([status, r]) => {
          const response = obj(r);
          return { status, description: str(response['description']), contents: contents(response['content'], schemas), headers: Object.keys(obj(response['headers'])) };
        }),
      });
    }
  }
  const declared = arr(doc['tags']).map((t) => ({ name: str(obj(t)['name']), description: str(obj(t)['description']) }));
  for (const op of operations) if (!declared.some((t) => t.name === op.tag)) declared.push({ name: op.tag, description: '' });
  return {
    title: str(info['title']) || 'API',
    version: str(info['version']),
    description: str(info['description']),
    servers: arr(doc['servers']).map((s) => str(obj(s)['url'])).filter((u) => u !== ''),
    tags: declared.map((t) => ({ ...t, operations: operations.filter((o) => o.tag === t.name) })).filter((t) => t.operations.length > 0),
    schemas: Object.entries(schemas).map(([name, s]) => ({ name, schema: schemaView(s, schemas), description: str(obj(s)['description']) })),
  };
}

/** A schema's type in one line: `string | null`, `RunSummary[]`, `map<string, integer>`, `"a" | "b"`. */
export function typeText(schema: unknown): string {
  const s = obj(schema);
  const ref = refName(s);
  if (ref) return ref;
  const union = arr(s['anyOf']).length > 0 ? arr(s['anyOf']) : arr(s['oneOf']);
  if (union.length > 0) return union.map(typeText).join(' | ');
  if (Array.isArray(s['enum'])) return s['enum'].map((v) => JSON.stringify(v)).join(' | ');
  const types = Array.isArray(s['type']) ? s['type'].map(String) : typeof s['type'] === 'string' ? [s['type']] : [];
  if (types.length === 0) return 'any';
  return types
    .map((t) => {
      if (t === 'array') return `${wrap(typeText(s['items']))}[]`;
      if (t === 'object' && s['additionalProperties'] !== undefined && s['additionalProperties'] !== false && s['properties'] === undefined) {
        return s['additionalProperties'] === true ? 'object' : `map<string, ${typeText(s['additionalProperties'])}>`;
      }
      return typeof s['format'] === 'string' && t !== 'null' ? `${t} (${s['format']})` : t;
    })
    .join(' | ');
}

function wrap(type: string): string {
  return type.includes(' ') ? `(${type})` : type;
}

function schemaView(schema: unknown, schemas: Json): SchemaView {
  const s = obj(schema);
  const ref = refName(s);
  // A reference is shown with the fields of what it names, so an answer reads without a jump to the schemas.
  const target = ref ? obj(schemas[ref]) : s;
  const required = new Set(arr(target['required']).map(String));
  const fields = Object.entries(obj(target['properties'])).map(([name, p]) => ({
    name,
    type: typeText(p),
    ref: refName(obj(p)) ?? refName(obj(obj(p)['items'])),
    required: required.has(name),
    description: str(obj(p)['description']),
  }));
  return { type: typeText(s), ref, fields };
}

function contents(content: unknown, schemas: Json): ContentView[] {
  return Object.entries(obj(content)).map(([media, m]) => {
    const entry = obj(m);
    const example = entry['example'];
    return { media, schema: schemaView(entry['schema'], schemas), example: example === undefined ? null : typeof example === 'string' ? example : JSON.stringify(example, null, 2) };
  });
}

function refName(s: Json): string | null {
  const ref = s['$ref'];
  return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The reference page's content: a filter, the operations by tag, then the schemas. */
export function renderReference(view: ReferenceView): HTMLElement {
  const schemaAnchors = new Map<string, HTMLDetailsElement>();
  const refLink = (name: string): HTMLElement => {
    const link = h('button', { type: 'button', class: 'link mono', 'data-schema-link': name }, name);
    // Routing lives in the hash, so a jump to a schema scrolls instead of changing it.
    link.addEventListener('click', () => {
      const target = schemaAnchors.get(name);
      if (!target) return;
      target.open = true;
      target.scrollIntoView({ block: 'start' });
    });
    return link;
  };
  const typeCell = (type: string, ref: string | null): HTMLElement => (ref && type.includes(ref) ? h('span', { class: 'mono' }, ...splitAround(type, ref, refLink)) : h('span', { class: 'mono' }, type));
  const fieldsTable = (schema: SchemaView): HTMLElement | null =>
    schema.fields.length === 0
      ? null
      : h(
          'table',
          { class: 'table compact ref-fields' },
          h('thead', null, h('tr', null, h('th', null, 'Field'), h('th', null, 'Type'), h('th', null, ''), h('th', null, ''))),
          h(
            'tbody',
            null,
            ...schema.fields.map((f) => h('tr', { 'data-testid': 'ref-field' }, h('td', { class: 'mono' }, f.name), h('td', null, typeCell(f.type, f.ref)), h('td', { class: 'muted small' }, f.required ? 'required' : 'optional'), h('td', { class: 'small' }, f.description))),
          ),
        );
  const contentBlock = (c: ContentView): HTMLElement =>
    h(
      'div',
      { class: 'ref-content', 'data-testid': 'ref-content', 'data-media': c.media },
      h('div', null, h('code', null, c.media), ' ', typeCell(c.schema.type, c.schema.ref)),
      fieldsTable(c.schema),
      c.example === null ? null : h('details', null, h('summary', { class: 'small' }, 'Example'), h('pre', null, c.example)),
    );

  const operation = (op: OperationView): HTMLElement =>
    h(
      'details',
      { class: 'card ref-op', 'data-testid': 'ref-operation', 'data-operation-id': op.operationId, 'data-method': op.method, 'data-path': op.path },
      h(
        'summary',
        null,
        h('span', { class: `method method-${op.method.toLowerCase()}` }, op.method),
        ' ',
        h('code', { class: 'strong' }, op.path),
        ' ',
        h('span', { class: 'muted' }, op.summary),
      ),
      h(
        'p',
        { class: 'small muted' },
        'operationId ',
        h('code', null, op.operationId),
        op.role ? ` · role ${op.role}` : '',
        op.secured ? ' · key required (x-functions-key)' : ' · no key',
      ),
      op.description ? h('p', null, op.description) : null,
      op.parameters.length === 0
        ? null
        : h(
            'div',
            null,
            h('h3', null, 'Parameters'),
            h(
              'table',
              { class: 'table compact' },
              h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'In'), h('th', null, 'Type'), h('th', null, ''), h('th', null, ''))),
              h(
                'tbody',
                null,
                ...op.parameters.map((p) =>
                  h('tr', { 'data-testid': 'ref-parameter' }, h('td', { class: 'mono' }, p.name), h('td', null, p.in), h('td', { class: 'mono' }, p.type), h('td', { class: 'muted small' }, p.required ? 'required' : 'optional'), h('td', { class: 'small' }, p.description)),
                ),
              ),
            ),
          ),
      op.request === null ? null : h('div', null, h('h3', null, `Request body${op.request.required ? '' : ' (optional)'}`), ...op.request.contents.map(contentBlock)),
      h(
        'div',
        null,
        h('h3', null, 'Responses'),
        ...op.responses.map((r) =>
          h(
            'div',
            { class: 'ref-response', 'data-testid': 'ref-response', 'data-status': r.status },
            h('p', null, h('span', { class: 'strong mono' }, r.status), ' ', r.description, r.headers.length > 0 ? h('span', { class: 'muted small' }, ` (headers: ${r.headers.join(', ')})`) : null),
            ...r.contents.map(contentBlock),
          ),
        ),
      ),
    );

  const groups = view.tags.map((t) => h('section', { class: 'ref-tag', 'data-testid': 'ref-tag', 'data-tag': t.name }, h('h2', null, t.name, t.description ? h('span', { class: 'muted small' }, ` — ${t.description}`) : null), ...t.operations.map(operation)));
  const schemas = view.schemas.map((s) => {
    const anchor = h('details', { class: 'card ref-schema', 'data-testid': 'ref-schema', 'data-schema': s.name }, h('summary', null, h('code', { class: 'strong' }, s.name), ' ', h('span', { class: 'muted mono small' }, s.schema.fields.length > 0 ? 'object' : s.schema.type)), s.description ? h('p', null, s.description) : null, fieldsTable(s.schema));
    schemaAnchors.set(s.name, anchor);
    return anchor;
  });

  const filter = h('input', { type: 'search', placeholder: 'Filter operations (path, method, id, summary)', 'data-testid': 'ref-filter', 'aria-label': 'Filter operations', class: 'ref-filter' });
  const operations = groups.flatMap((g) => [...g.querySelectorAll<HTMLElement>('[data-testid="ref-operation"]')]);
  filter.addEventListener('input', () => {
    const needle = filter.value.trim().toLowerCase();
    for (const el of operations) el.hidden = needle !== '' && !(el.textContent ?? '').toLowerCase().includes(needle);
    for (const g of groups) g.hidden = [...g.querySelectorAll<HTMLElement>('[data-testid="ref-operation"]')].every((el) => el.hidden);
  });

  return h(
    'div',
    { class: 'reference', 'data-testid': 'reference' },
    h('div', { class: 'card' }, h('p', null, view.description), view.servers.length > 0 ? h('p', { class: 'muted small' }, 'Server: ', h('code', null, view.servers.join(', '))) : null, filter),
    ...groups,
    h('section', { 'data-testid': 'ref-schemas' }, h('h2', null, 'Schemas'), ...schemas),
  );
}

function splitAround(text: string, name: string, link: (name: string) => HTMLElement): Array<string | HTMLElement> {
  const at = text.indexOf(name);
  return [text.slice(0, at), link(name), text.slice(at + name.length)];
}
