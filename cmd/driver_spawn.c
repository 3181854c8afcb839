/* driver_spawn.c: finding the stage executables beside `cxrprep` (or on
 * PATH) and running them. */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

extern char **environ;

/* "<dir of cxrprep>/cxrprep-<stage>" when it exists, else the bare name
 * (looked up on PATH). */
static void stage_path(const char *self, const char *stage, char *buf, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *slash;

    if (n > 0)
        exe[n] = '\0';
    else
        snprintf(exe, sizeof(exe), "%s", self);
    slash = strrchr(exe, '/');
    if (slash) {
        snprintf(buf, size, "%.*s/cxrprep-%s", (int)(slash - exe), exe, stage);
        if (access(buf, X_OK) == 0)
            return;
    }
    snprintf(buf, size, "cxrprep-%s", stage);
}

int driver_exec_stage(const char *self, const char *stage, char **argv)
{
    char path[PATH_MAX];
    int saved;

    stage_path(self, stage, path, sizeof(path));
    argv[0] = path;
    execvp(path, argv);
    saved = errno; /* before fprintf, which may change it */
    fprintf(stderr, "cxrprep: cannot run '%s': %s\n", path, strerror(saved));
    return saved == ENOENT ? 127 : 126;
}

int driver_spawn_stage(const char *self, const char *stage, char **argv)
{
    char path[PATH_MAX];
    pid_t pid;
    int status, rc;

    stage_path(self, stage, path, sizeof(path));
    argv[0] = path;
    rc = posix_spawnp(&pid, path, NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "cxrprep: cannot run '%s': %s\n", path, strerror(rc));
        return rc == ENOENT ? 127 : 126;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 70;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
