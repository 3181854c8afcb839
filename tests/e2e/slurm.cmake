# slurm.cmake: the score stage's job array on a real single-node Slurm
# (e2e/slurm_score.sh, tests/lib/slurm/): label slurm, run once, in the plain
# build (nosan: the daemons and jobs are the same in the sanitizer build).
cxr_add_script_test(slurm_score e2e/slurm_score.sh)
set_tests_properties(slurm_score PROPERTIES LABELS "slurm;nosan" TIMEOUT 300)
