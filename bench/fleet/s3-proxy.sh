# Sourced by bench/fleet/run and bench/fleet/sync-s3: starts scripts/start-s3's
# radosgw (unless one is already named) and bench/fleet/delay_proxy.py in
# front of it, holding every byte a client sends DELAY_MS, and points
# AWS_ENDPOINT_URL at the proxy. Needs $repo, $out and $delay_ms; leaves the
# proxy's pid in $proxy_pid and installs an EXIT trap that stops both.
proxy_pid=
cleanup() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null || true
  if [[ ${CAH_S3_STARTED:-0} == 1 && -z ${KEEP_S3:-} ]]; then "$repo/scripts/stop-s3" >&2 || true; fi
}
trap cleanup EXIT
start_s3_behind_proxy() {
  eval "$("$repo/scripts/start-s3")"
  local upstream=${AWS_ENDPOINT_URL##*:}
  rm -f "$out/proxy.port"
  python3 "$repo/bench/fleet/delay_proxy.py" "$upstream" "$delay_ms" >"$out/proxy.port" &
  proxy_pid=$!
  for _ in $(seq 50); do [[ -s $out/proxy.port ]] && break; sleep 0.1; done
  export AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$out/proxy.port")
}
