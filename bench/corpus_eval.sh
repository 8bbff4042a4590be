#!/bin/sh
# Score llm-audit on the labelled dev corpus (real packages pinned on PyPI).
# Thin wrapper that records the exact command; run from anywhere:
#   sh bench/corpus_eval.sh [--providers openai,anthropic] [--llm-audit CMD]
# runs, with paths relative to the repo root:
#   python ../shared/corpus/evaluate.py corpus ../shared/corpus/dev.yaml --verbose \
#       [--providers LIST] [--llm-audit CMD]
# evaluate.py downloads each labelled wheel once (cache: $EVAL_CACHE, default
# $TMPDIR/llm-audit-eval-cache) and runs `CMD scan --format json .` inside the unpacked
# tree, so CMD must work from any folder: a relative path in its first word is made
# absolute here. Needs PyYAML in the Python that runs evaluate.py ($PYTHON, default python).
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
EVALUATE="$ROOT/../shared/corpus/evaluate.py"
LABELS="$ROOT/../shared/corpus/dev.yaml"
PY=${PYTHON:-python}

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

providers=""; llm=""
while [ $# -gt 0 ]; do
    case $1 in
        --providers) [ $# -ge 2 ] || { echo "corpus_eval.sh: --providers needs a value" >&2; exit 2; }
                     providers=$2; shift 2 ;;
        --providers=*) providers=${1#*=}; shift ;;
        --llm-audit) [ $# -ge 2 ] || { echo "corpus_eval.sh: --llm-audit needs a value" >&2; exit 2; }
                     llm=$2; shift 2 ;;
        --llm-audit=*) llm=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "corpus_eval.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

if [ -n "$llm" ]; then
    first=${llm%% *}; rest=${llm#"$first"}
    case $first in
        /*) ;;
        */*) [ -e "$first" ] && llm="$PWD/$first$rest" ;;
    esac
fi

set -- "$EVALUATE" corpus "$LABELS" --verbose
[ -n "$providers" ] && set -- "$@" --providers "$providers"
[ -n "$llm" ] && set -- "$@" --llm-audit "$llm"
echo "+ $PY $*" >&2
exec "$PY" "$@"
