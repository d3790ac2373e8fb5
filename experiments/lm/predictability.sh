#!/bin/sh
# How much of the true future gradient a synthesizer can learn to predict from
# the state s, by how far the language model has trained (docs/results.md, "Why
# `sg_true_cos` is near 0 on a language model"). The model is frozen (lr 1e-30:
# Adam moves no float32 weight by even one ulp, so the pairs (s, g) the
# synthesizer sees are a stationary stream) and only the synthesizer learns, for
# 1,200 steps with ĝ measured against g every 50 steps (horizon 4 chunks).
# Models: the random initialisation (seed 0), bptt after 100 steps, bptt after
# 2 epochs (issue13-done.json's bptt,seed=0, or trained here when no
# checkpoint is given); linear and mlp synthesizers, every other setting at its
# default. Then the trained model trains on at three learning rates (the
# synthesizer's target then moves with the weights). Resumable: a finished run
# is skipped.
#
#   sh experiments/lm/predictability.sh OUT [TRAINED_CHECKPOINT]
#   node experiments/lm/predictability.mjs OUT      # the table
#
# About 45 CPU-minutes (one thread per run), plus 7 without a trained checkpoint.
set -e
OUT=${1:?usage: sh experiments/lm/predictability.sh OUT [TRAINED_CHECKPOINT]}
TRAINED=$2
SG="node dist/src/cli/main.js train"
MODEL="--task charlm --data data/tinyshakespeare.txt --split 0.05,0.05 --embed 64 --hidden 256 --batch 32 --bptt 32 --clip 1 --seed 0 --threads 1"

run() { # name, then options
  name=$1; shift
  [ -e "$OUT/$name/done.json" ] && return 0
  $SG $MODEL "$@" --out "$OUT/$name" --overwrite
  echo '{"status":"done"}' > "$OUT/$name/done.json"
}

run bptt-100 --lr 3e-3 --steps 100
if [ -z "$TRAINED" ]; then
  run bptt-2ep --lr 3e-3 --epochs 2
  TRAINED="$OUT/bptt-2ep/checkpoint.safetensors"
fi

FROZEN="--lr 1e-30 --policy dni --steps 1200 --diagnose-every 50"
run linear,init $FROZEN --synth linear
run linear,step100 $FROZEN --synth linear --init "$OUT/bptt-100/checkpoint.safetensors"
run linear,trained $FROZEN --synth linear --init "$TRAINED"
run mlp,step100 $FROZEN --synth mlp --init "$OUT/bptt-100/checkpoint.safetensors"
run mlp,trained $FROZEN --synth mlp --init "$TRAINED"

# The trained model training on (dni from its weights, fresh Adam moments), 600 steps: how far the
# synthesizer keeps up with a target that moves with the weights, by the model's learning rate.
MOVING="--policy dni --steps 600 --diagnose-every 25 --synth linear --init $TRAINED"
for lr in 3e-3 3e-4 3e-5; do run "linear,trained,lr=$lr" $MOVING --lr $lr; done
run "linear,trained,lr=3e-3,sg_lr=1e-2" $MOVING --lr 3e-3 --sg-lr 1e-2
