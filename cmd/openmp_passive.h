/* openmp_passive.h: run the engine's OpenMP threads without spinning
 * (cxrprep-score, cxrprep-serve). */
#ifndef CXR_OPENMP_PASSIVE_H
#define CXR_OPENMP_PASSIVE_H

/* Unless the user set OMP_WAIT_POLICY, sets it to PASSIVE and executes the
 * program again with 'argv' (libgomp reads it once, when loaded, so a
 * running process cannot change it). Returns only when nothing was
 * changed or the exec failed (then the process goes on as it is). Call it
 * first in main, before any thread or open file worth keeping. */
void cxr_openmp_passive(char **argv);

#endif
