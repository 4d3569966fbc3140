#!/bin/bash
cd /work/main
export SRBM_JAX_CACHE=/tmp/srbm_cache
run() { name=$1; shift; rm -rf /tmp/sw/$name; python3 -m experiments.train_mnist --config=experiments/configs/default.py --workdir=/tmp/sw/$name --config.train_size=5000 --config.test_size=1000 --config.epochs=1 "$@" > /tmp/sw/$name.log 2>&1; echo "$name $* :: $(grep -o 'final test accuracy [0-9.]* %' /tmp/sw/$name.log) $(tail -1 /tmp/sw/$name/metrics.jsonl | python3 -c 'import sys,json; d=json.loads(sys.stdin.read()); print({k: round(v,3) if isinstance(v,float) else v for k,v in d.items() if "rate" in k or k in ("images_per_s",)})')" >> /tmp/sw/summary.txt; }
run A_default
run B_walk05 --config.walk_up=0.05 --config.walk_down=0.05
run C_init03 --config.init_std=0.3
run D_rate --config.input_coding=rate
run E_step02 --config.set_step=0.02 --config.reset_step=0.02
run F_th02_lab120 --config.input_threshold=0.2 --config.n_label=120
run G_batch8 --config.batch_size=8
echo done >> /tmp/sw/summary.txt
