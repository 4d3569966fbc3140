#!/bin/bash
while ! grep -q '^done' /tmp/sw/summary.txt; do sleep 5; done
cd /work/main
export SRBM_JAX_CACHE=/tmp/srbm_cache
run() { name=$1; shift; rm -rf /tmp/sw/$name; python3 -m experiments.train_mnist --config=experiments/configs/default.py --workdir=/tmp/sw/$name --config.train_size=5000 --config.test_size=1000 --config.epochs=1 "$@" > /tmp/sw/$name.log 2>&1; echo "$name $* :: $(grep -o 'final test accuracy [0-9.]* %' /tmp/sw/$name.log) $(tail -1 /tmp/sw/$name/metrics.jsonl | python3 -c 'import sys,json; d=json.loads(sys.stdin.read()); print({k: round(v,3) if isinstance(v,float) else v for k,v in d.items() if "rate" in k or k in ("images_per_s",)})')" >> /tmp/sw/summary.txt; }
run H_init01 --config.init_std=0.1
run I_init0034 --config.init_std=0.03426
run J_init03_walk05 --config.init_std=0.3 --config.walk_up=0.05 --config.walk_down=0.05
run K_init03_batch8 --config.init_std=0.3 --config.batch_size=8
echo done2 >> /tmp/sw/summary.txt
