/* test_layout_tree.c: the staging directory, the swap into place and the
 * up-to-date check of the layout stage (pipeline/layout/layout_tree.c,
 * compiled in here with rename, renameat2 and kill replaced so that their
 * failures can be injected); and the choice of each sample draw's images
 * (layout_draws.c): the first usable candidates by rank, a bad one giving
 * way to the next, disjoint draws by file and patient, the shortfall. */
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

/* An in-place edit of a hard-linked file (same size) makes the tree out of
 * date like any other edit, also through another name with the mtime put
 * back: its ctime, which no one can set back, is newer than the state file
 * the run wrote last. Nothing is hashed. */
static void test_matches_linked(const char *dir)
{
    static const char *const cols[] = {"path", "size", "sha256"};
    const char *row[3] = {"covid/a.jpeg", "4",
                          "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"};
    layout_ctx c;
    cxr_error err;
    cxr_manifest_writer *w;
    char *sub, *file, *other, *csv = join(dir, "layout.csv"), *state = join(dir, "layout.state");
    memset(&c, 0, sizeof(c));
    c.root = join(dir, "lt");
    sub = join(c.root, "covid");
    file = join(sub, "a.jpeg");
    other = join(dir, "object");
    CHECK(cxr_mkdirs(sub, &err) == CXR_OK);
    put(other, "abcd");
    CHECK(link(other, file) == 0);
    set_mtime(file, 1600000000);
    CHECK(cxr_manifest_create(csv, cols, 3, &w, &err) == CXR_OK);
    CHECK(cxr_manifest_add(w, row, &err) == CXR_OK);
    CHECK(cxr_manifest_commit(w, &err) == CXR_OK);
    usleep(20000); /* a clock tick or more: the state is written after */
    put(state, "{}");
    CHECK_INT(cxr_layout_tree_matches(&c, csv, state), 1);
    usleep(20000);
    put(other, "abce");  /* edited in place through the other name */
    CHECK_INT(cxr_layout_tree_matches(&c, csv, state), 0);
    set_mtime(file, 1600000000); /* ... and its mtime put back */
    CHECK_INT(cxr_layout_tree_matches(&c, csv, state), 0);
    put(other, "abcd"); /* even the bytes put back: a rebuild, which is safe */
    set_mtime(file, 1600000000);
    CHECK_INT(cxr_layout_tree_matches(&c, csv, state), 0);
    usleep(20000);
    put(state, "{}"); /* a run that rebuilt the tree writes its state last */
    CHECK_INT(cxr_layout_tree_matches(&c, csv, state), 1);
    free(sub);
    free(file);
    free(other);
    free(csv);
    free(state);
    free(c.root);
}

/* A sample draw of the choice test: candidates named by one letter, each
 * its own archive entry (images index = letter - 'A'), with a patient. */
static void choice_draw(layout_draw *d, const char *name, const char *letters,
                        const char *patients, size_t nominal, size_t wanted)
{
    size_t n = strlen(letters);
    memset(d, 0, sizeof(*d));
    d->name = (char *)name;
    d->count_from = (char *)"";
    d->nominal = nominal;
    d->wanted = wanted;
    d->laid_out = 1;
    d->ncands = n;
    d->cands = calloc(n, sizeof(*d->cands));
    for (size_t k = 0; k < n; k++) {
        static char names[26][2], pats[26][3];
        int i = letters[k] - 'A';
        names[i][0] = letters[k];
        pats[i][0] = 'p';
        pats[i][1] = patients[k];
        d->cands[k].filename = d->cands[k].entry = names[i];
        d->cands[k].patient = pats[i];
        d->cands[k].image = (size_t)i;
        d->cands[k].nominal = k < nominal;
    }
}

static const char *chosen(const layout_draw *d, char *buf)
{
    char *p = buf;
    for (size_t k = 0; k < d->ncands; k++)
        if (d->cands[k].chosen)
            *p++ = d->cands[k].filename[0];
    *p = '\0';
    return buf;
}

/* train: A B | C D (nominal | reserve); val, disjoint from train by file and
 * patient: C E | F G, its list already free of train's nominal A and B. */
static void test_choose(void)
{
    layout_ctx c;
    layout_draw draws[2];
    layout_image images[26];
    size_t train_only = 0, short_draw;
    char buf[32];
    cxr_error err;
    memset(&c, 0, sizeof(c));
    memset(images, 0, sizeof(images));
    c.draws = draws;
    c.ndraws = 2;
    c.images = images;
    c.nimages = 26;
    choice_draw(&draws[0], "train", "ABCD", "1234", 2, 2);
    choice_draw(&draws[1], "val", "CEFG", "3567", 1, 1);
    draws[1].disjoint = &train_only;
    draws[1].ndisjoint = 1;
    draws[1].patient_disjoint = 1;
    CHECK_INT(cxr_layout_choose(&c, &short_draw, &err), CXR_OK);
    CHECK_STR(chosen(&draws[0], buf), "AB");  /* nothing bad: the nominal draws */
    CHECK_STR(chosen(&draws[1], buf), "C");
    CHECK_INT(short_draw, LAYOUT_NONE);
    images['A' - 'A'].state = STATE_BAD;      /* A gives way to C, the next... */
    CHECK_INT(cxr_layout_choose(&c, &short_draw, &err), CXR_OK);
    CHECK_STR(chosen(&draws[0], buf), "BC");
    CHECK_INT(draws[0].nreplacements, 1);
    CHECK_STR(chosen(&draws[1], buf), "E");   /* ... which val then never takes */
    CHECK_INT(draws[1].cands[0].skip, SKIP_FILE);
    draws[1].cands[1].patient[1] = '3';       /* E: C's patient */
    CHECK_INT(cxr_layout_choose(&c, &short_draw, &err), CXR_OK);
    CHECK_STR(chosen(&draws[1], buf), "F");
    CHECK_INT(draws[1].ntaken_file, 1);
    CHECK_INT(draws[1].ntaken_patient, 1);
    draws[1].patient_disjoint = 0;            /* by file only: E is fine */
    CHECK_INT(cxr_layout_choose(&c, &short_draw, &err), CXR_OK);
    CHECK_STR(chosen(&draws[1], buf), "E");
    draws[1].patient_disjoint = 1;
    draws[0].wanted = 1;                      /* fewer wanted: the first by rank */
    CHECK_INT(cxr_layout_choose(&c, &short_draw, &err), CXR_OK);
    CHECK_STR(chosen(&draws[0], buf), "B");
    CHECK_STR(chosen(&draws[1], buf), "C");
    draws[0].wanted = 2;
    images['F' - 'A'].state = STATE_BAD;      /* val: C taken, E its patient, F bad */
    images['G' - 'A'].state = STATE_BAD;
    CHECK_INT(cxr_layout_choose(&c, &short_draw, &err), CXR_OK);
    CHECK_INT(short_draw, 1);
    CHECK_INT(cxr_layout_shortfall(&c, short_draw, &err), CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "draw 'val' needs 1 images but only 0 of its 4 candidates "
                        "can be laid out (2 failed verification, 1 are images of earlier "
                        "draws it is disjoint from, 1 of their patients)"));
    free(draws[0].cands);
    free(draws[1].cands);
}

int main(void)
{
    char *dir = test_tmpdir("layout_tree");
    if (!dir)
        return 1;
    test_swap_fallback(dir);
    test_stale(dir);
    test_matches_linked(dir);
    test_choose();
    free(dir);
    return test_finish();
}
