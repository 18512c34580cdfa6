#!/usr/bin/env bash
# Deploy one image to one environment with kubectl, and roll back when it does not come up.
# Run by the deploy-staging and deploy-production jobs (.github/workflows/ci.yml); by hand:
#
#   scripts/deploy.sh staging ghcr.io/OWNER/tiket-api:<commit sha>
#
# 1. renders deploy/k8s/overlays/<env> with the image pinned (kubectl kustomize);
# 2. deletes the previous migration Job, applies everything but the Deployment, and waits for
#    the new tiket-migrate Job (`tiket-api migrate`) to succeed: a failed migration stops here,
#    before any pod changes;
# 3. applies the Deployment and waits on `kubectl rollout status`;
# 4. runs the smoke subset of the Postman collection (folder "ops") against BASE_URL.
# If 3 or 4 fails: `kubectl rollout undo`, and exit 1.
#
# Environment: BASE_URL (the environment's URL, for the smoke test; skipped when empty),
# ROLLOUT_TIMEOUT (default 10m). kubectl must point at the cluster (KUBECONFIG).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

env_name="${1:?usage: scripts/deploy.sh staging|production IMAGE:TAG}"
image="${2:?usage: scripts/deploy.sh staging|production IMAGE:TAG}"
[[ -d "deploy/k8s/overlays/$env_name" ]] || { echo "deploy: no overlay $env_name" >&2; exit 2; }
[[ "$image" == *:* ]] || { echo "deploy: $image has no tag" >&2; exit 2; }
ns="tiket-$env_name"
timeout="${ROLLOUT_TIMEOUT:-10m}"

# A throwaway overlay on top of the environment's, pinning the image (kubectl has no
# `kustomize edit`). Inside deploy/k8s/ because kustomize only loads files below its root.
release="deploy/k8s/.release-$env_name"
rm -rf "$release"
mkdir -p "$release"
trap 'rm -rf "$release"' EXIT
cat >"$release/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../overlays/$env_name
images:
  - name: ghcr.io/tiket-project/tiket-api
    newName: ${image%:*}
    newTag: ${image##*:}
YAML
rendered="$release/rendered.yaml"
kubectl kustomize "$release" >"$rendered"

echo "deploy: $image to $ns: migrations first"
kubectl -n "$ns" delete job tiket-migrate --ignore-not-found --wait=true
kubectl -n "$ns" apply -f "$rendered" -l 'app.kubernetes.io/component!=api'
deadline=$((SECONDS + 600))
while :; do
  succeeded="$(kubectl -n "$ns" get job tiket-migrate -o jsonpath='{.status.succeeded}')"
  failed="$(kubectl -n "$ns" get job tiket-migrate -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')"
  [[ "$succeeded" == 1 ]] && break
  if [[ "$failed" == True ]] || ((SECONDS > deadline)); then
    kubectl -n "$ns" logs job/tiket-migrate --tail=50 || true
    echo "deploy: the migration Job failed; nothing was rolled out" >&2
    exit 1
  fi
  sleep 5
done

rollback() {
  echo "deploy: $1; rolling back" >&2
  kubectl -n "$ns" rollout undo deployment/tiket-api
  kubectl -n "$ns" rollout status deployment/tiket-api --timeout="$timeout" || true
  exit 1
}

echo "deploy: rolling out"
kubectl -n "$ns" apply -f "$rendered" -l 'app.kubernetes.io/component=api'
kubectl -n "$ns" rollout status deployment/tiket-api --timeout="$timeout" ||
  rollback "the rollout did not complete in $timeout"

if [[ -n "${BASE_URL:-}" ]]; then
  echo "deploy: smoke test against $BASE_URL"
  node tests/api/run-collection.js --base-url "$BASE_URL" --folder ops \
    --report-dir "build/deploy-$env_name" --label smoke || rollback "the smoke test failed"
fi
echo "deploy: $image is live in $ns"
