#!/bin/bash
# A robustness sweep as a Slurm job array: one shard per array task, then one merge.
#
#   sbatch --array=0-7 Recipes/cluster/robustness-slurm.sh          # 8 shards
#   sbatch --dependency=afterok:<JOBID> --wrap \
#     "loupe merge runs/fashion-pgd/shard-* --out runs/fashion-pgd/merged"
#
# Each task writes its records into its own folder and flushes them after every batch.
# If a task is preempted or killed, requeue it (or resubmit the same array index): the
# same command with --resume recomputes at most the batch that was in flight.
#SBATCH --job-name=loupe-robustness
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --output=runs/fashion-pgd/logs/%A_%a.log
set -euo pipefail

SHARDS=${SLURM_ARRAY_TASK_COUNT:?run as a job array: sbatch --array=0-N}
INDEX=${SLURM_ARRAY_TASK_ID:?run as a job array}
RUN=${RUN:-runs/fashion-pgd}
MODEL=${MODEL:-models/fashion-cnn.safetensors}
mkdir -p "$RUN/logs"

# Loupe splits its kernels over LOUPE_THREADS workers; results do not depend on it.
export LOUPE_THREADS=${SLURM_CPUS_PER_TASK:-4}

exec loupe robustness --model "$MODEL" --data fashion-mnist:test \
  --attacks fgsm,pgd --eps 0,0.05,0.1,0.15,0.2 --steps 20 --alpha 0.01 --seed 0 \
  --shard "$INDEX/$SHARDS" --out "$RUN/shard-$INDEX" --resume --quiet
