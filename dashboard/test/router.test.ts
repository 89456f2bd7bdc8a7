import { describe, expect, it } from 'vitest';
import { editorHref, href, parseRoute, runHref, workflowHref } from '../src/router';

describe('router', () => {
  it('parses the pages', () => {
    expect(parseRoute('')).toEqual({ page: 'workflows' });
    expect(parseRoute('#/')).toEqual({ page: 'workflows' });
    expect(parseRoute('#/workflows')).toEqual({ page: 'workflows' });
    expect(parseRoute('#/workflows/daily-report')).toEqual({ page: 'workflow', workflowId: 'daily-report' });
    expect(parseRoute('#/runs/daily-report-20261122T0300Z')).toEqual({ page: 'run', runId: 'daily-report-20261122T0300Z' });
    expect(parseRoute('#/login')).toEqual({ page: 'login' });
    expect(parseRoute('#/runs')).toEqual({ page: 'runs' });
    expect(href({ page: 'runs' })).toBe('#/runs');
    expect(parseRoute('#/nothing/here/at/all')).toEqual({ page: 'notFound', path: 'nothing/here/at/all' });
    expect(parseRoute('#/runs/%E0%A4%A')).toEqual({ page: 'notFound', path: 'runs/%E0%A4%A' });
  });

  it('round-trips ids with special characters', () => {
    for (const id of ['a/b', 'x y', '<script>', 'ü:1#2?3']) {
      expect(parseRoute(workflowHref(id))).toEqual({ page: 'workflow', workflowId: id });
      expect(parseRoute(runHref(id))).toEqual({ page: 'run', runId: id });
    }
    expect(href({ page: 'workflows' })).toBe('#/workflows');
  });
});

describe('router: authoring pages', () => {
  it('parses and builds the editor and reference routes', () => {
    expect(parseRoute('#/new')).toEqual({ page: 'editor', workflowId: null });
    expect(parseRoute('#/reference')).toEqual({ page: 'reference' });
    for (const id of ['daily-report', 'a/b', 'x y']) expect(parseRoute(editorHref(id))).toEqual({ page: 'editor', workflowId: id });
    expect(editorHref(null)).toBe('#/new');
    expect(parseRoute('#/workflows/x/other')).toEqual({ page: 'notFound', path: 'workflows/x/other' });
  });
});
