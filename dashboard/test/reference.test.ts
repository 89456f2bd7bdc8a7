// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { buildReference, renderReference, typeText } from '../src/reference';

// The shapes OpenApiDocument.cs serves (OpenAPI 3.1: nullable as a type list, contracts under components/schemas).
const problem = { $ref: '#/components/schemas/ApiProblem' };
const document = {
  openapi: '3.1.0',
  info: { title: 'Loom API', version: '1.0', description: 'Workflows of HTTP tasks.' },
  servers: [{ url: 'http://127.0.0.1:8080' }],
  tags: [{ name: 'workflows', description: 'Register and inspect.' }, { name: 'runs', description: 'Start and watch.' }, { name: 'host', description: 'Health.' }],
  paths: {
    '/api/workflows/validate': {
      post: {
        operationId: 'validateWorkflow',
        summary: 'Validate a workflow without registering it.',
        tags: ['workflows'],
        'x-loom-role': 'reader',
        requestBody: { required: true, content: { 'application/yaml': { schema: { type: 'string' }, example: 'id: daily-report\n' }, 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': { description: 'Whether the workflow is valid.', content: { 'application/json': { schema: { $ref: '#/components/schemas/WorkflowValidation' } } } },
          '4XX': { description: 'Problem details.', content: { 'application/problem+json': { schema: problem } } },
        },
        security: [{ apiKey: [] }],
      },
    },
    '/api/runs': {
      get: {
        operationId: 'listRuns',
        summary: 'List runs.',
        tags: ['runs'],
        parameters: [
          { name: 'status', in: 'query', required: false, description: 'Only runs in this status.', schema: { type: 'string', enum: ['pending', 'running'] } },
          { name: 'limit', in: 'query', required: false, description: 'Page size.', schema: { type: 'integer', minimum: 1 } },
        ],
        responses: { '200': { description: 'A page of runs.', headers: { Location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/RunList' } } } } },
        security: [{ apiKey: [] }],
      },
    },
    '/api/health': { get: { operationId: 'getHealth', summary: 'Health.', tags: ['host'], responses: { '200': { description: 'Storage answers.' } }, security: [] } },
  },
  components: {
    schemas: {
      WorkflowError: { type: 'object', properties: { line: { type: 'integer' }, column: { type: 'integer' }, message: { type: 'string' }, path: { type: ['string', 'null'] } }, required: ['line', 'column', 'message', 'path'] },
      WorkflowValidation: {
        type: 'object',
        properties: { valid: { type: 'boolean' }, id: { type: ['string', 'null'] }, errors: { type: 'array', items: { $ref: '#/components/schemas/WorkflowError' } }, warnings: { type: 'array', items: { type: 'string' } } },
        required: ['valid', 'errors'],
      },
      RunList: { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } }, continuation: { type: ['string', 'null'] }, params: { type: 'object', additionalProperties: true }, counts: { type: 'object', additionalProperties: { type: 'integer' } } } },
      ApiProblem: { type: 'object', properties: { title: { type: 'string' }, detail: { type: ['string', 'null'], description: '<b>why</b>' } } },
    },
  },
};

describe('typeText', () => {
  it('reads 3.1 type lists, arrays, maps, enums, formats and references', () => {
    expect(typeText({ type: ['string', 'null'], format: 'date-time' })).toBe('string (date-time) | null');
    expect(typeText({ type: 'array', items: { $ref: '#/components/schemas/WorkflowError' } })).toBe('WorkflowError[]');
    expect(typeText({ type: 'object', additionalProperties: { type: 'integer' } })).toBe('map<string, integer>');
    expect(typeText({ type: 'object', additionalProperties: true })).toBe('object');
    expect(typeText({ enum: ['a', 'b'], type: 'string' })).toBe('"a" | "b"');
    expect(typeText({ description: 'Any JSON value.' })).toBe('any');
    expect(typeText({ type: 'array', items: { type: ['string', 'null'] } })).toBe('(string | null)[]');
  });
});

describe('buildReference', () => {
  it('groups operations by tag with parameters, bodies, answers and the fields of referenced schemas', () => {
    const view = buildReference(document);
    expect(view.title).toBe('Loom API');
    expect(view.tags.map((t) => [t.name, t.operations.map((o) => `${o.method} ${o.path}`)])).toEqual([
      ['workflows', ['POST /api/workflows/validate']],
      ['runs', ['GET /api/runs']],
      ['host', ['GET /api/health']],
    ]);
    const validate = view.tags[0]!.operations[0]!;
    expect(validate).toMatchObject({ operationId: 'validateWorkflow', role: 'reader', secured: true });
    expect(validate.request!.contents.map((c) => [c.media, c.schema.type, c.example])).toEqual([
      ['application/yaml', 'string', 'id: daily-report\n'],
      ['application/json', 'object', null],
    ]);
    const ok = validate.responses.find((r) => r.status === '200')!.contents[0]!.schema;
    expect(ok.type).toBe('WorkflowValidation');
    expect(ok.fields.map((f) => `${f.name}: ${f.type}${f.required ? '' : '?'}`)).toEqual(['valid: boolean', 'id: string | null?', 'errors: WorkflowError[]', 'warnings: string[]?']);
    expect(ok.fields[2]!.ref).toBe('WorkflowError');
    const runs = view.tags[1]!.operations[0]!;
    expect(runs.parameters.map((p) => `${p.in} ${p.name}: ${p.type}`)).toEqual(['query status: "pending" | "running"', 'query limit: integer']);
    expect(runs.responses[0]!.headers).toEqual(['Location']);
    expect(view.tags[2]!.operations[0]!.secured).toBe(false);
    expect(view.schemas.map((s) => s.name)).toEqual(['WorkflowError', 'WorkflowValidation', 'RunList', 'ApiProblem']);
  });

  it('reads a document that is not one without throwing', () => {
    expect(buildReference(null)).toMatchObject({ title: 'API', tags: [], schemas: [] });
    expect(buildReference({ paths: { '/x': { get: 'nonsense', post: { responses: [] } } } }).tags[0]!.operations.map((o) => o.method)).toEqual(['GET', 'POST']);
  });
});

describe('renderReference', () => {
  it('renders every operation with its parameters and responses, texts as text', () => {
    const element = renderReference(buildReference(document));
    const ops = [...element.querySelectorAll('[data-testid="ref-operation"]')];
    expect(ops.map((o) => o.getAttribute('data-operation-id'))).toEqual(['validateWorkflow', 'listRuns', 'getHealth']);
    const listRuns = ops[1]!;
    expect([...listRuns.querySelectorAll('[data-testid="ref-parameter"] td:first-child')].map((td) => td.textContent)).toEqual(['status', 'limit']);
    expect([...ops[0]!.querySelectorAll('[data-testid="ref-response"]')].map((r) => r.getAttribute('data-status'))).toEqual(['200', '4XX']);
    expect(ops[0]!.querySelector('[data-schema-link="WorkflowError"]')).not.toBeNull();
    expect(element.querySelector('b')).toBeNull();
    expect(element.querySelector('[data-schema="ApiProblem"]')!.textContent).toContain('<b>why</b>');
  });

  it('filters operations by what they show', () => {
    const element = renderReference(buildReference(document));
    const filter = element.querySelector<HTMLInputElement>('[data-testid="ref-filter"]')!;
    filter.value = 'validate';
    filter.dispatchEvent(new Event('input'));
    const visible = [...element.querySelectorAll<HTMLElement>('[data-testid="ref-operation"]')].filter((o) => !o.hidden).map((o) => o.getAttribute('data-operation-id'));
    expect(visible).toEqual(['validateWorkflow']);
    expect([...element.querySelectorAll<HTMLElement>('[data-testid="ref-tag"]')].map((t) => t.hidden)).toEqual([false, true, true]);
  });
});
