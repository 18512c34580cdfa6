// Renders each overlay with `kubectl kustomize` and validates every object against the
// Kubernetes OpenAPI schemas (the npm package kubernetes-models: the upstream JSON schemas,
// checked offline), then checks the rules this project's rollout depends on
// (docs/operations.md). Exit 1 on the first overlay with a problem.
//
//   node deploy/k8s/validate.mjs [overlay...]      (scripts/ci.sh stage "k8s")
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const overlays = process.argv.slice(2).length ? process.argv.slice(2) : ["staging", "production"];

async function model(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const dir = group ? `${group}/${version}` : version;
  const module = await import(`kubernetes-models/${dir}/${kind}`);
  return module[kind] || module.default;
}

function render(overlay) {
  try {
    return execFileSync("kubectl", ["kustomize", path.join(here, "overlays", overlay)], {
      encoding: "utf8",
    });
  } catch (e) {
    if (e.code === "ENOENT") {
      console.error("k8s: kubectl is not installed (it renders the overlays: kubectl kustomize)");
      process.exit(2);
    }
    throw e;
  }
}

// The rules a zero-downtime rollout needs, beyond what the schemas say.
function policy(objects) {
  const problems = [];
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const config = byKind("ConfigMap").find((c) => c.metadata.name.startsWith("tiket-config"));
  if (!config) problems.push("no tiket-config ConfigMap");
  if (byKind("Secret").length) problems.push("a Secret is rendered: secrets are referenced, never committed");
  const [deployment] = byKind("Deployment");
  if (!deployment) return [...problems, "no Deployment"];
  const spec = deployment.spec;
  const pod = spec.template.spec;
  const api = pod.containers[0];
  if (spec.replicas < 2) problems.push("Deployment: fewer than 2 replicas");
  if (spec.strategy?.rollingUpdate?.maxUnavailable !== 0) problems.push("Deployment: maxUnavailable must be 0");
  if (api.readinessProbe?.httpGet?.path !== "/readyz") problems.push("readinessProbe must be /readyz");
  if (api.livenessProbe?.httpGet?.path !== "/healthz") problems.push("livenessProbe must be /healthz");
  if (!api.startupProbe) problems.push("no startupProbe");
  const preStop = api.lifecycle?.preStop?.exec?.command;
  const preStopSeconds = preStop && preStop[0] === "sleep" ? Number(preStop[1]) : NaN;
  if (!(preStopSeconds > 0)) problems.push("no preStop delay");
  const shutdownMs = Number(config?.data?.SHUTDOWN_TIMEOUT_MS ?? 15000);
  if (!(pod.terminationGracePeriodSeconds > preStopSeconds + shutdownMs / 1000)) {
    problems.push(`terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} must exceed ` +
      `preStop ${preStopSeconds} s + SHUTDOWN_TIMEOUT_MS ${shutdownMs} ms`);
  }
  if (config?.data?.MIGRATE_ON_START !== "false") problems.push("MIGRATE_ON_START must be false");
  if (!api.resources?.requests?.memory || !api.resources?.limits?.memory) problems.push("memory requests/limits missing");
  if (!pod.securityContext?.runAsNonRoot) problems.push("pods must run as non-root");
  if (!api.securityContext?.readOnlyRootFilesystem) problems.push("root filesystem must be read-only");
  if (!/:[^:]+$/.test(api.image) || api.image.endsWith(":latest")) problems.push(`image ${api.image} needs a tag`);
  const job = byKind("Job").find((j) => j.spec.template.spec.containers[0].args?.[0] === "migrate");
  if (!job) problems.push("no Job running `tiket-api migrate`");
  else if (job.spec.template.spec.containers[0].image !== api.image) problems.push("migrate Job image differs from the Deployment's");
  for (const kind of ["Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"]) {
    if (!byKind(kind).length) problems.push(`no ${kind}`);
  }
  const hpa = byKind("HorizontalPodAutoscaler")[0];
  if (hpa && hpa.spec.minReplicas < 2) problems.push("HPA minReplicas below 2");
  return problems;
}

let failed = false;
for (const overlay of overlays) {
  const docs = YAML.parseAllDocuments(render(overlay)).map((d) => d.toJSON()).filter(Boolean);
  const problems = [];
  for (const obj of docs) {
    const Model = await model(obj.apiVersion, obj.kind);
    try {
      new Model(obj).validate();
    } catch (e) {
      problems.push(`${obj.kind}/${obj.metadata?.name}: ${e.message}`);
    }
  }
  problems.push(...policy(docs));
  const kinds = docs.map((o) => o.kind).join(", ");
  if (problems.length) {
    failed = true;
    console.error(`k8s: ${overlay}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  } else {
    console.log(`k8s: ${overlay}: ${docs.length} objects valid (${kinds})`);
  }
}
process.exit(failed ? 1 : 0);
