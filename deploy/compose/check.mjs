// Checks docker-compose.yml without a Docker engine (scripts/ci.sh stage "k8s"): it parses,
// every service has an image, every file it mounts from the repository exists, the API and the
// fake gateway share their server key, Prometheus scrapes the API, and Grafana mounts the
// dashboard that deploy/monitoring checks. With the Docker compose plugin present it also runs
// `docker compose config`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const file = path.join(root, "docker-compose.yml");
const compose = YAML.parse(fs.readFileSync(file, "utf8"));
const problems = [];
const services = compose.services ?? {};

for (const name of ["db", "payments", "api", "seed", "prometheus", "grafana"]) {
  if (!services[name]) problems.push(`service ${name} is missing`);
}
for (const [name, svc] of Object.entries(services)) {
  if (!svc.image) problems.push(`${name}: no image`);
  for (const volume of svc.volumes ?? []) {
    const source = String(volume).split(":")[0];
    if (source.startsWith("./") && !fs.existsSync(path.join(root, source))) {
      problems.push(`${name}: mounts ${source}, which does not exist`);
    }
  }
  const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
  for (const dep of deps) {
    if (!services[dep]) problems.push(`${name}: depends on unknown service ${dep}`);
  }
}
const api = services.api?.environment ?? {};
const fake = services.payments?.environment ?? {};
if (api.MIDTRANS_SERVER_KEY !== fake.MIDTRANS_SERVER_KEY) {
  problems.push("api and payments must share MIDTRANS_SERVER_KEY");
}
if (!String(api.DATABASE_URL ?? "").includes("@db:3306/")) problems.push("api: DATABASE_URL must name db:3306");
const prom = YAML.parse(fs.readFileSync(path.join(root, "deploy/compose/prometheus.yml"), "utf8"));
const targets = prom.scrape_configs.flatMap((c) => (c.static_configs ?? []).flatMap((s) => s.targets));
if (!targets.includes("api:8080")) problems.push("deploy/compose/prometheus.yml must scrape api:8080");
if (!fs.existsSync(path.join(root, "deploy/monitoring/grafana/tiket-api.json"))) {
  problems.push("the Grafana dashboard deploy/monitoring/grafana/tiket-api.json is missing");
}

let engine = "docker compose plugin not present: checked the file only";
let plugin = false;
try {
  execFileSync("docker", ["compose", "version"], { stdio: "ignore" });
  plugin = true;
} catch {
  plugin = false;
}
if (plugin) {
  try {
    execFileSync("docker", ["compose", "-f", file, "config", "--quiet"], { stdio: "inherit" });
    engine = "docker compose config: ok";
  } catch {
    problems.push("docker compose config failed");
  }
}
if (problems.length) {
  console.error(`compose: docker-compose.yml:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`compose: ${Object.keys(services).length} services, mounts and keys consistent (${engine})`);
