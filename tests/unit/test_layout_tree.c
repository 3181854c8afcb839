/* test_layout_tree.c: the staging directory, the swap into place and the
 * up-to-date check of the layout stage (pipeline/layout_tree.c, compiled in
 * here with rename, renameat2 and kill replaced so that their failures can
 * be injected). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "layout_internal.h"
#include "manifest.h"
#include "testutil.h"

static int fail_exchange;            /* renameat2(RENAME_EXCHANGE) fails */
static const char *fail_rename_from; /* rename() of this path fails */
static pid_t eperm_pid;              /* kill(eperm_pid, 0) says EPERM */

static int fake_renameat2(int ofd, const char *o, int nfd, const char *n, unsigned flags)
{
    if (fail_exchange) {
        errno = EINVAL;
        return -1;
    }
    return renameat2(ofd, o, nfd, n, flags);
}

static int fake_rename(const char *o, const char *n)
{
    if (fail_rename_from && !strcmp(o, fail_rename_from)) {
        errno = EXDEV;
        return -1;
    }
    return rename(o, n);
}

static int fake_kill(pid_t pid, int sig)
{
    if (eperm_pid && pid == eperm_pid) {
        errno = EPERM;
        return -1;
    }
    return kill(pid, sig);
}

#define renameat2 fake_renameat2
#define rename fake_rename
#define kill fake_kill
#include "layout_tree.c"
#undef renameat2
#undef rename
#undef kill

static char *join(const char *a, const char *b)
{
    char *p = cxr_path_join(a, b);
    if (!p)
        abort();
    return p;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* An exchange the kernel refuses falls back to two renames; when the second
 * fails, the old tree is put back (it was lost: only '<staging>.old' held it). */
static void test_swap_fallback(const char *dir)
{
    layout_ctx c;
    cxr_error err;
    char *oldf, *newf;
    memset(&c, 0, sizeof(c));
    c.root = join(dir, "tree");
    c.staging = join(dir, ".tree.staging.h.1");
    CHECK(mkdir(c.root, 0755) == 0 && mkdir(c.staging, 0755) == 0);
    oldf = join(c.root, "old.txt");
    newf = join(c.root, "new.txt");
    put(oldf, "old");
    {
        char *p = join(c.staging, "new.txt");
        put(p, "new");
        free(p);
    }
    fail_exchange = 1;
    fail_rename_from = c.staging;
    CHECK(cxr_layout_swap_into_place(&c, &err) == CXR_ERR_IO);
    CHECK(test_contains(err.msg, "cannot move the new tree"));
    CHECK(cxr_is_file(oldf));      /* the live tree is still in place */
    CHECK(!cxr_is_file(newf));
    fail_rename_from = NULL;         /* the fallback that works */
    CHECK(cxr_layout_swap_into_place(&c, &err) == CXR_OK);
    CHECK(cxr_is_file(newf) && !cxr_is_file(oldf));
    CHECK(access(c.staging, F_OK) != 0);
    fail_exchange = 0;
    free(oldf);
    free(newf);
    free(c.root);
    free(c.staging);
}

static int exists_in(const char *dir, const char *name)
{
    char *p = join(dir, name);
    int ok = access(p, F_OK) == 0;
    free(p);
    return ok;
}

/* The staging directory names its host; stale ones are removed only when
 * they are this host's and their process is gone (ESRCH), '.old' ones too. */
static void test_stale(const char *dir)
{
    layout_ctx c;
    cxr_error err;
    char host[256], name[600], want[600];
    const char *dead = "2147483646", *names[5];
    memset(&c, 0, sizeof(c));
    layout_host(host, sizeof(host));
    CHECK(host[0] != '\0' && !strchr(host, '/'));
    c.root = join(dir, "ds");
    snprintf(want, sizeof(want), "/.ds.staging.%s.%ld", host, (long)getpid());
    eperm_pid = 2147483645;
    snprintf(name, sizeof(name), ".ds.staging.%s.%s", host, dead);
    names[0] = strdup(name);                                    /* dead: removed */
    snprintf(name, sizeof(name), ".ds.staging.%s.%s.old", host, dead);
    names[1] = strdup(name);                                    /* dead, .old: removed */
    snprintf(name, sizeof(name), ".ds.staging.%s.%ld", host, (long)eperm_pid);
    names[2] = strdup(name);                                    /* EPERM: alive, kept */
    snprintf(name, sizeof(name), ".ds.staging.other-host.%s", dead);
    names[3] = strdup(name);                                    /* another host's: kept */
    snprintf(name, sizeof(name), ".ds.staging.other-host.%s.old", dead);
    names[4] = strdup(name);
    for (int i = 0; i < 5; i++) {
        char *p = join(dir, names[i]);
        CHECK(mkdir(p, 0755) == 0);
        free(p);
    }
    CHECK(cxr_layout_staging_create(&c, &err) == CXR_OK);
    CHECK(c.staging && test_contains(c.staging, want));
    CHECK(!exists_in(dir, names[0]));
    CHECK(!exists_in(dir, names[1]));
    CHECK(exists_in(dir, names[2]));
    CHECK(exists_in(dir, names[3]));
    CHECK(exists_in(dir, names[4]));
    eperm_pid = 0;
    for (int i = 0; i < 5; i++)
        free((char *)names[i]);
    free(c.root);
    free(c.staging);
}

static void set_mtime(const char *path, time_t t)
{
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

/* An in-place edit of a hard-linked file (same size, newer mtime) makes the
 * tree out of date like any other edit. */
static void test_matches_linked(const char *dir)
{
    static const char *const cols[] = {"path", "size", "sha256"};
    const char *row[3] = {"covid/a.jpeg", "4",
                          "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"};
    layout_ctx c;
    cxr_error err;
    cxr_manifest_writer *w;
    char *sub, *file, *other, *csv = join(dir, "layout.csv");
    memset(&c, 0, sizeof(c));
    c.root = join(dir, "lt");
    sub = join(c.root, "covid");
    file = join(sub, "a.jpeg");
    other = join(dir, "object");
    CHECK(cxr_mkdirs(sub, &err) == CXR_OK);
    put(other, "abcd");
    CHECK(link(other, file) == 0);
    CHECK(cxr_manifest_create(csv, cols, 3, &w, &err) == CXR_OK);
    CHECK(cxr_manifest_add(w, row, &err) == CXR_OK);
    CHECK(cxr_manifest_commit(w, &err) == CXR_OK);
    set_mtime(csv, 1700000000);
    set_mtime(file, 1600000000);
    CHECK_INT(cxr_layout_tree_matches(&c, csv), 1);
    put(other, "abce");  /* edited in place through the other name */
    set_mtime(file, 1700000100);
    CHECK_INT(cxr_layout_tree_matches(&c, csv), 0);
    set_mtime(file, 1600000000); /* ... and its mtime put back */
    CHECK_INT(cxr_layout_tree_matches(&c, csv), 0);
    put(other, "abcd");
    set_mtime(file, 1600000000);
    CHECK_INT(cxr_layout_tree_matches(&c, csv), 1);
    free(sub);
    free(file);
    free(other);
    free(csv);
    free(c.root);
}

int main(void)
{
    char *dir = test_tmpdir("layout_tree");
    if (!dir)
        return 1;
    test_swap_fallback(dir);
    test_stale(dir);
    test_matches_linked(dir);
    free(dir);
    return test_finish();
}
