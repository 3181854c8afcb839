/* openmp_passive.c: the engine's OpenMP threads spin while they wait by
 * default (libgomp), taking the cores from the decoding threads and, on a
 * machine busier than its cores, waiting at every barrier for threads that
 * were preempted. Measured (bench/infer_bench.sh, bench/score_bench.sh):
 * on the recipe's VGG16 at 2 threads under load, 264 ms per image spinning
 * against 93 ms passive; end to end on a small model, 25.6 against 49.6
 * images/s. Idle, passive costs little: the barriers are few per image. */
#include "openmp_passive.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

void cxr_openmp_passive(char **argv)
{
    char self[PATH_MAX];
    ssize_t n;

    if (getenv("OMP_WAIT_POLICY") || setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0)
        return;
    /* the link's target, not the link: under valgrind --trace-children=yes,
     * exec of /proc/self/exe starts valgrind's own tool, which fails */
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return;
    self[n] = '\0';
    execv(self, argv); /* on failure, go on as we are */
}
