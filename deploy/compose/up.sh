#!/usr/bin/env bash
# Writes a ready docker-compose directory for a loyal cluster and starts it: keys and a cluster
# file whose addresses are the compose service names, one service per replica (its own data
# volume, restart unless stopped), and a `client` service for loyal-client commands. Waits until
# the cluster answers a request. Builds the image first (deploy/docker/build-image.sh; cached).
#
#   deploy/compose/up.sh                                   # pbft, f = 1: four replicas
#   deploy/compose/up.sh --protocol raft --f 2             # five raft replicas
#   deploy/compose/up.sh --byzantine 3=equivocate          # replica 3 Byzantine (pbft)
#   docker-compose -f deploy/compose/out/docker-compose.yml run --rm client put color blue
#   docker-compose -f deploy/compose/out/docker-compose.yml down -v   # stop, and drop the data
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  echo "options: --protocol pbft|raft|paxos (pbft)  --f F (1)  --clients C (4)  --byzantine R=MODE[,R=MODE]"
  echo "         --out DIR (deploy/compose/out)  --no-up (write the directory only)"
}

protocol=pbft f=1 clients=4 byzantine="" out=deploy/compose/out up=1
while [ $# -gt 0 ]; do
  case "$1" in
    --protocol) protocol="$2"; shift 2 ;;
    --f) f="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --byzantine) byzantine="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-up) up=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "up.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$protocol" in pbft) n=$((3 * f + 1)) ;; raft|paxos) n=$((2 * f + 1)) ;;
  *) echo "up.sh: --protocol must be pbft, raft or paxos, not $protocol" >&2; exit 2 ;; esac
if ! [[ "$f" =~ ^[0-9]+$ ]] || [ "$f" -lt 1 ]; then echo "up.sh: --f must be a positive integer" >&2; exit 2; fi
if [ -n "$byzantine" ] && [ "$protocol" != pbft ]; then echo "up.sh: --byzantine is for pbft only" >&2; exit 2; fi
faulty=0
for entry in ${byzantine//,/ }; do
  replica="${entry%%=*}"
  if ! [[ "$entry" == *=* && "$replica" =~ ^[0-9]+$ ]] || [ "$replica" -ge "$n" ]; then
    echo "up.sh: --byzantine takes REPLICA=MODE with REPLICA in 0..$((n - 1)), not $entry" >&2; exit 2
  fi
  faulty=$((faulty + 1))
done
if [ "$faulty" -gt "$f" ]; then
  echo "up.sh: $faulty Byzantine replicas, but pbft with f = $f tolerates at most $f; raise --f" >&2; exit 2
fi

image="${LOYAL_IMAGE:-loyal:latest}"
LOYAL_IMAGE="$image" deploy/docker/build-image.sh >/dev/null

mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [ -e "$out/cluster/cluster.toml" ]; then
  echo "up.sh: $out already holds a cluster; take it down (docker-compose -f $out/docker-compose.yml down -v) and remove $out first" >&2
  exit 1
fi
hosts="$(seq -s, -f 'replica-%g' 0 $((n - 1)))"
docker run --rm --user 0 -v "$out/cluster:/out" "$image" sh -c \
  "loyal-keygen --protocol $protocol --replicas $n --clients $clients --hosts $hosts --out /out >/dev/null && chown -R 10001 /out/keys"

mode_of() {  # the Byzantine mode of replica $1, if any
  local entry
  for entry in ${byzantine//,/ }; do
    if [ "${entry%%=*}" = "$1" ]; then echo "${entry#*=}"; fi
  done
}

{
  echo "# Written by deploy/compose/up.sh: $protocol, n = $n, f = $f."
  echo "version: \"3.9\""
  echo "services:"
  for ((i = 0; i < n; i++)); do
    mode="$(mode_of "$i")"
    echo "  replica-$i:"
    echo "    image: $image"
    echo "    command: [\"loyal-replica\", \"--cluster\", \"/cluster/cluster.toml\", \"--id\", \"$i\", \"--data-dir\", \"/data\", \"--listen\", \"0.0.0.0:$((7100 + i))\"${mode:+, \"--byzantine\", \"$mode\"}]"
    echo "    volumes: [\"./cluster:/cluster:ro\", \"replica-$i-data:/data\"]"
    echo "    restart: unless-stopped"
    echo "    stop_grace_period: 10s"
    # Healthy while the replica accepts connections on its port (the process is up and bound).
    echo "    healthcheck:"
    echo "      test: [\"CMD\", \"bash\", \"-c\", \"exec 3<>/dev/tcp/127.0.0.1/$((7100 + i))\"]"
    echo "      interval: 5s"
    echo "      timeout: 2s"
    echo "      retries: 3"
  done
  echo "  client:"
  echo "    image: $image"
  echo "    entrypoint: [\"loyal-client\", \"--cluster\", \"/cluster/cluster.toml\"]"
  echo "    volumes: [\"./cluster:/cluster:ro\"]"
  echo "    profiles: [\"tools\"]"
  echo "volumes:"
  for ((i = 0; i < n; i++)); do echo "  replica-$i-data:"; done
} > "$out/docker-compose.yml"
echo "up.sh: wrote $out (docker-compose.yml, cluster/)"
[ "$up" -eq 1 ] || exit 0

compose=(docker-compose -f "$out/docker-compose.yml")
"${compose[@]}" up -d $(seq -f 'replica-%g' 0 $((n - 1))) >/dev/null 2>&1
for attempt in $(seq 1 30); do
  if "${compose[@]}" run --rm client --id $((clients - 1)) put loyal-ready yes >/dev/null 2>&1; then
    echo "up.sh: $protocol cluster of $n replicas answers; try: ${compose[*]} run --rm client put color blue"
    exit 0
  fi
  sleep 2
done
echo "up.sh: the cluster did not answer within 60 s; see ${compose[*]} logs" >&2
exit 1
