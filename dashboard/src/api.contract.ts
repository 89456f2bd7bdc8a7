// Compile-time proof that the OpenAPI document the server serves is usable: api.generated.ts is what openapi-typescript
// makes of it (scripts/test.sh regenerates it from the served document and fails when it differs), and every answer it
// describes must fit the types the dashboard reads (api.ts). `tsc --noEmit` (npm run typecheck, dashboard/build.sh) checks it;
// nothing here is bundled.
import type { components, operations } from "./api.generated";
import type * as dashboard from "./api";

type Schemas = components["schemas"];
type Fits<Served, Read> = [Served] extends [Read] ? true : false;
type Json<Op extends keyof operations, Status extends keyof operations[Op]["responses"]> =
  operations[Op]["responses"][Status] extends { content: { "application/json": infer Body } } ? Body : never;

/** Each entry fails to compile when the server's answer stops fitting what the dashboard reads. */
export const servedAnswersFitTheDashboard: [
  Fits<Schemas["WorkflowSummary"], dashboard.WorkflowSummary>,
  Fits<Schemas["WorkflowDetail"], dashboard.WorkflowDetail>,
  Fits<Schemas["WorkflowList"], dashboard.Page<dashboard.WorkflowSummary>>,
  Fits<Schemas["WorkflowVersionList"], dashboard.Page<dashboard.VersionItem>>,
  Fits<Schemas["WorkflowVersionSource"], dashboard.VersionSource>,
  Fits<Schemas["BackfillStarted"], dashboard.BackfillResult>,
  Fits<Schemas["RunList"], dashboard.Page<dashboard.RunSummary>>,
  Fits<Schemas["RunDetail"], dashboard.RunDetail>,
  Fits<Schemas["RunEventList"], dashboard.Page<dashboard.RunEvent>>,
  Fits<Schemas["AttemptList"], dashboard.Page<dashboard.Attempt>>,
  Fits<Json<"triggerRun", 202>, dashboard.Accepted>,
  Fits<Json<"retryRun", 202>, dashboard.Accepted>,
  Fits<Json<"cancelRun", 202>, { runId: string; status: string }>,
  Fits<Json<"pauseWorkflow", 200>, { id: string; paused: boolean }>,
  Fits<Json<"cancelBackfill", 200>, { id: string; dropped: number }>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];

type Fetch = (path: string, init?: { method?: string; body?: string }) => Promise<unknown>;

/**
 * Drives a run with the generated types only: trigger with parameters, then read the run until it is final and describe
 * every task. Typed against the document, so a renamed field or status breaks the build.
 */
export async function driveRun(fetchJson: Fetch, workflowId: string, params: Record<string, unknown>): Promise<string[]> {
  const request: NonNullable<operations["triggerRun"]["requestBody"]>["content"]["application/json"] = { params };
  const accepted = (await fetchJson(`/api/workflows/${encodeURIComponent(workflowId)}/runs`, {
    method: "POST",
    body: JSON.stringify(request),
  })) as Json<"triggerRun", 202>;
  const final: Schemas["RunDetail"]["status"][] = ["succeeded", "failed", "cancelled"];
  let run: Schemas["RunDetail"];
  do {
    run = (await fetchJson(`/api/runs/${encodeURIComponent(accepted.runId)}`)) as Json<"getRun", 200>;
  } while (!final.includes(run.status));
  return run.tasks.map((task: Schemas["TaskStateView"]) => `${task.id}: ${task.status} after ${task.attempt} attempt(s)`);
}
