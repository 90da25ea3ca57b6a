# Helpers for running hpcc (sourced by linpack.sbatch and bench/linpack/run).

# hpcc_input DIR N RANKS: writes DIR/hpccinf.txt for N, NB=128 and a 1 x RANKS process grid.
hpcc_input() {
  sed -e "6s/^[0-9]*/$2/" -e "8s/^[0-9]*/128/" -e "11s/^[0-9]*/1/" -e "12s/^[0-9]*/$3/" \
    /usr/share/doc/hpcc/examples/_hpccinf.txt > "$1/hpccinf.txt"
}

# hpcc_value DIR KEY: a result from DIR/hpccoutf.txt (HPL_Tflops, StarSTREAM_Triad, MPIRandomAccess_GUPs...).
hpcc_value() {
  sed -n "s/^$2=//p" "$1/hpccoutf.txt" | head -1
}

# hpcc_run DIR RANKS [LAUNCH-PREFIX...]: runs hpcc in DIR with RANKS ranks under Open MPI's mpirun;
# with a prefix (hpcrun IMAGE), each rank runs through it. Leaves DIR/hpccoutf.txt.
hpcc_run() {
  local dir=$1 ranks=$2
  shift 2
  rm -f "$dir/hpccoutf.txt"
  (cd "$dir" && mpirun.openmpi -np "$ranks" "$@" hpcc >/dev/null 2>&1)
}
