#!/usr/bin/env bash
# Checks deploy/monitoring/ (scripts/ci.sh stage "monitoring"): the Prometheus config and the
# alert rules with promtool (Debian's prometheus package), the rules' unit tests (each alert
# fires on a synthetic series), and the Grafana dashboard's JSON (it parses, ids are unique,
# every panel has a query).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v promtool >/dev/null || { echo "monitoring: promtool missing (scripts/install-deps.sh installs prometheus)" >&2; exit 2; }
promtool check config prometheus.yml
promtool check rules alerts.yml
promtool test rules alerts.test.yml

node - grafana/tiket-api.json <<'JS'
const fs = require("node:fs");
const file = process.argv[2];
const dash = JSON.parse(fs.readFileSync(file, "utf8"));
const problems = [];
if (!dash.uid || !dash.title) problems.push("uid and title are required");
const panels = dash.panels.filter((p) => p.type !== "row");
for (const p of panels) {
  if (!p.targets || !p.targets.length || p.targets.some((t) => !t.expr)) problems.push(`panel '${p.title}' has no query`);
}
const ids = dash.panels.map((p) => p.id);
if (new Set(ids).size !== ids.length) problems.push("panel ids repeat");
if (problems.length) { console.error(`monitoring: ${file}:\n  ${problems.join("\n  ")}`); process.exit(1); }
console.log(`monitoring: ${file}: ${panels.length} panels, all with queries`);
JS
