#!/usr/bin/env bash
# Issue 14's reproductions against the packaged memwall: each hostile input must be answered with one line on
# stderr and exit 2 (or HTTP 400 with a JSON body) within 10 s and under 400 MiB of resident memory. Prints one
# row per case (exit code, stderr lines, seconds, peak RSS, the line) and a verdict; exits 1 when a case fails.
#   bench/hostile.sh
# Needs python3 (to write the GGUF and safetensors files), curl and /usr/bin/time.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
memwall="$root/memwall"
work=$(mktemp -d)
agent_pid=
trap '[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null; rm -rf "$work"' EXIT
"$memwall" --version >/dev/null || exit 1   # builds the jar when needed, outside the timings

failed=0
printf '%-44s %4s %5s %6s %7s  %s\n' case exit lines s MiB "stderr (first line, cut)"
# row NAME EXPECTED_EXIT -- COMMAND...: runs the command with stdin closed, a 20 s guard and /usr/bin/time.
# EXPECTED_EXIT is a pattern: "2|3" takes bad input or an answer that the model does not fit.
row() {
    local name=$1 want=$2
    shift 3
    local err="$work/err" tm="$work/time"
    /usr/bin/time -o "$tm" -f '%e %M' timeout 20 "$@" </dev/null >/dev/null 2>"$err"
    local rc=$?
    read -r secs kib < <(tail -1 "$tm")
    local lines; lines=$(grep -c '' "$err")
    local mib=$(( kib / 1024 ))
    local verdict=ok
    if [[ ! "$rc" =~ ^($want)$ ]] || { [ "$rc" = 2 ] && [ "$lines" != 1 ]; } \
        || awk "BEGIN{exit !($secs >= 10)}" || [ "$mib" -ge 400 ] || grep -q 'Exception\|unexpected error' "$err"; then
        verdict=FAILED; failed=1
    fi
    printf '%-44s %4s %5s %6s %7s  %s  %s\n' "$name" "$rc" "$lines" "$secs" "$mib" "$verdict" \
        "$(head -1 "$err" | cut -c1-150)"
}

# A GGUF whose architecture keys are set by the arguments (key=type:value, type u32, i32 or str); one F32 tensor.
gguf() {
    python3 - "$@" <<'EOF'
import struct, sys
out, pairs = sys.argv[1], sys.argv[2:]
def s(x): b = x.encode(); return struct.pack('<Q', len(b)) + b
kv = {'general.architecture': ('str', 'llama'), 'llama.block_count': ('u32', 2), 'llama.context_length': ('u32', 4096),
      'llama.embedding_length': ('u32', 256), 'llama.feed_forward_length': ('u32', 512),
      'llama.attention.head_count': ('u32', 4), 'llama.attention.head_count_kv': ('u32', 2)}
for p in pairs:
    k, v = p.split('=', 1); t, v = v.split(':', 1)
    kv[k] = (t, v if t == 'str' else int(v))
body = b''
for k, (t, v) in kv.items():
    body += s(k) + {'u32': lambda: struct.pack('<II', 4, v), 'i32': lambda: struct.pack('<Ii', 5, v),
                    'str': lambda: struct.pack('<I', 8) + s(v)}[t]()
tensor = s('token_embd.weight') + struct.pack('<IQQIQ', 2, 256, 100, 0, 0)
head = b'GGUF' + struct.pack('<IQQ', 3, 1, len(kv)) + body + tensor
head += b'\0' * (-len(head) % 32)
open(out, 'wb').write(head + b'\0' * (256 * 100 * 4))
EOF
}

# Special files where a file is expected.
mkfifo "$work/fifo.gguf" "$work/fifo"
mkdir -p "$work/fifo-config" && mkfifo "$work/fifo-config/config.json"
row "fit FIFO.gguf" 2 -- "$memwall" fit --simulate h100-sxm "$work/fifo.gguf"
row "inspect FIFO.gguf" 2 -- "$memwall" inspect "$work/fifo.gguf"
row "fit folder with a FIFO config.json" 2 -- "$memwall" fit --simulate h100-sxm "$work/fifo-config"
row "agent --token-file FIFO" 2 -- "$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0 --token-file "$work/fifo"
row "agent --config FIFO" 2 -- "$memwall" agent --config "$work/fifo"
row "fit a directory as config.json" 2 -- bash -c "mkdir -p '$work/dir/config.json' && '$memwall' fit --simulate h100-sxm '$work/dir'"
# Endless files.
row "agent --token-file /dev/zero" 2 -- "$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0 --token-file /dev/zero
row "agent --token-file /dev/urandom" 2 -- "$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0 --token-file /dev/urandom
row "agent --config /dev/zero" 2 -- "$memwall" agent --config /dev/zero
row "MEMWALL_CONFIG=/dev/zero agent" 2 -- env MEMWALL_CONFIG=/dev/zero "$memwall" agent
head -c 3000 /dev/urandom >"$work/binary-token"
row "agent --token-file binary" 2 -- "$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0 --token-file "$work/binary-token"
# Semantic zeros, wrong types, unsigned values.
gguf "$work/heads0.gguf" llama.attention.head_count=u32:0
row "fit GGUF head_count 0" 2 -- "$memwall" fit --simulate h100-sxm "$work/heads0.gguf"
gguf "$work/layers-max.gguf" llama.block_count=u32:4294967295
row "fit GGUF block_count 4294967295" 2 -- "$memwall" fit --simulate h100-sxm "$work/layers-max.gguf"
gguf "$work/heads-str.gguf" llama.attention.head_count=str:four
row "fit GGUF head_count a string" 2 -- "$memwall" fit --simulate h100-sxm "$work/heads-str.gguf"
gguf "$work/kv3.gguf" llama.attention.head_count_kv=u32:3
row "fit GGUF 3 KV heads of 4" 2 -- "$memwall" fit --simulate h100-sxm "$work/kv3.gguf"
config() {
    mkdir -p "$work/$1"
    printf '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %s, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": %s, "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 4096, "torch_dtype": "bfloat16"}' \
        "$2" "$3" >"$work/$1/config.json"
}
config heads0 4096 0 && row "fit config.json heads 0" 2 -- "$memwall" fit --simulate h100-sxm "$work/heads0"
config hidden-odd 4100 32 && row "fit config.json hidden 4100 / 32 heads" 2 -- "$memwall" fit --simulate h100-sxm "$work/hidden-odd"
config hidden-big 2147483648 32 && row "fit config.json hidden 2147483648" 2 -- "$memwall" fit --simulate h100-sxm "$work/hidden-big"
# Overflow.
for mode in training lora qlora; do
    row "fit --context 10000000 --batch 64 $mode" "2|3" -- "$memwall" fit --simulate h100-sxm llama-3.1-8b --context 10000000 --batch 64 \
        --mode "$mode"
done
row "fit --context 10000000 --batch 64 training --no-flash-attn" 2 -- "$memwall" fit --simulate h100-sxm \
    llama-3.1-8b --context 10000000 --batch 64 --mode training --no-flash-attn
# Echoed text.
row "fit --context ESC and newline" 2 -- "$memwall" fit --simulate h100-sxm llama-3.1-8b --context $'\e[31m1\n2'
row "fit --context Arabic-Indic 100" 2 -- "$memwall" fit --simulate h100-sxm llama-3.1-8b --context $'\u0661\u0660\u0660'
row "fit --batch 100 KB" 2 -- "$memwall" fit --simulate h100-sxm llama-3.1-8b --batch "$(head -c 100000 /dev/zero | tr '\0' 7)x"
row "agent --node with a newline" 2 -- "$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0 --node $'a\nb'
row "MEMWALL_NODE empty" 2 -- env MEMWALL_NODE= "$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0
# A 700,000-tensor safetensors header (49 MB).
python3 - "$work/big.safetensors" <<'EOF'
import json, struct, sys
n = 700_000
header = {f"model.layers.{i // 10}.w{i % 10}.weight": {"dtype": "BF16", "shape": [1, 1], "data_offsets": [2 * i, 2 * i + 2]}
          for i in range(n)}
b = json.dumps(header).encode()
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(b)) + b + b'\0' * (2 * n))
EOF
config big 4096 32 && mv "$work/big.safetensors" "$work/big/model.safetensors"
row "fit a 700k-tensor safetensors header" 2 -- "$memwall" fit --simulate h100-sxm "$work/big"

# HTTP, against one agent.
"$memwall" agent --simulate h100-sxm --listen 127.0.0.1:0 >/dev/null 2>"$work/agent.log" &
agent_pid=$!
port=
for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/agent.log" | grep -o '[0-9]*$' | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
# http NAME EXPECTED_STATUS PATH: EXPECTED_STATUS is a pattern ("400|200" takes an answer that the model does
# not fit); every 4xx must have a JSON body with its status and an error.
http() {
    local name=$1 want=$2 path=$3
    local code secs verdict=ok
    read -r code secs < <(curl -s -o "$work/body" -w '%{http_code} %{time_total}\n' --max-time 10 \
        "http://127.0.0.1:$port$path")
    [[ "$code" =~ ^($want)$ ]] || verdict=FAILED
    if [[ "$code" = 4* ]]; then
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"] == int(sys.argv[2]) and d["error"]' \
            "$work/body" "$code" 2>/dev/null || verdict=FAILED
    fi
    [ "$verdict" = ok ] || failed=1
    printf '%-44s %4s %5s %6s %7s  %s  %s\n' "$name" "$code" - "$secs" - "$verdict" \
        "$(tr -d '\n' <"$work/body" | tr -s ' ' | cut -c1-150)"
}
if [ -z "$port" ]; then
    echo "the agent did not start: $(cat "$work/agent.log")"; exit 1
fi
for _ in $(seq 100); do   # /api/v1/fit answers 503 until the first reading
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break
    sleep 0.1
done
for mode in training lora qlora; do
    http "GET fit context 10M batch 64 $mode" "400|200" "/api/v1/fit?model=llama-3.1-8b&context=10000000&batch=64&mode=$mode"
done
http "GET fit context Arabic-Indic" 400 "/api/v1/fit?model=llama-3.1-8b&context=%D9%A1%D9%A0%D9%A0"
# Framing: a raw request; the first line of the answer and whether the agent closed the connection.
raw() {
    local name=$1 want=$2 request=$3
    local started answer verdict=ok
    started=$(date +%s.%N)
    answer=$(exec 3<>"/dev/tcp/127.0.0.1/$port"; printf '%b' "$request" >&3; timeout 10 cat <&3; echo " rc=$?")
    local secs; secs=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $started}")
    case "$answer" in *"rc=124"*) verdict="FAILED (not closed)";; esac
    case "$answer" in "HTTP/1.1 $want "*) ;; *) verdict=FAILED;; esac
    case "$answer" in *'"error"'*) ;; *) verdict=FAILED;; esac
    [ "$verdict" = ok ] || failed=1
    printf '%-44s %4s %5s %6s %7s  %s  %s\n' "$name" "$want" - "$secs" - "$verdict" \
        "$(printf '%s' "$answer" | head -1 | tr -d '\r')"
}
raw "POST chunked, size not hex" 400 'POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n'
raw "GET HTTP/9.9" 505 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n'
raw "GET HTTP/0.9" 505 'GET /healthz\r\n'
raw "CONNECT" 405 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'
raw "HTTP/2 preface" 426 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
agent_rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$agent_pid/status")
echo "agent peak RSS after the HTTP cases: $agent_rss MiB"

[ "$failed" = 0 ] && echo "all cases answered as bad input" || echo "SOME CASES FAILED"
exit "$failed"
