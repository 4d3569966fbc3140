# The loop the row scripts share (sourced by results/*/run.sh): each row is one
# `experiments.study` in <out>/<row>, its command saved in command.txt, its output appended to log.txt (a resumed row keeps its earlier log).
#   run_rows <out> <ROW array name> <common study args ...> -- <row ...>
run_rows() {
  local out_root=$1
  local -n row_args=$2
  shift 2
  local common=()
  while [[ $# -gt 0 && $1 != -- ]]; do common+=("$1"); shift; done
  shift
  local name out cmd
  for name in "$@"; do
    if [[ -z ${row_args[$name]+set} ]]; then
      echo "== $name: no such row (allowed: ${!row_args[*]})"; continue
    fi
    out=$out_root/$name
    mkdir -p "$out"
    cmd="${PY:-.venv/bin/python} -m experiments.study ${row_args[$name]} ${common[*]} --workdir=$out"
    echo "$cmd" > "$out/command.txt"
    echo "== $name: $cmd"
    # shellcheck disable=SC2086
    $cmd >> "$out/log.txt" 2>&1 && echo "== $name done" || echo "== $name FAILED ($?)"
  done
}
