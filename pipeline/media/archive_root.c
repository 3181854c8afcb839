/* archive_root.c: choosing the dataset root of a listing when an archive
 * holds its images under one root, several identical ones, or none. */
#include "archive_reader.h"

#include <stdio.h>
#include <string.h>

/* The images of one root: a run of ls->images (sorted by root first). */
typedef struct root_group {
    size_t first, count;
} root_group;

static size_t find_groups(const cxr_archive_listing *ls, root_group *g, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < ls->nimages; i++) {
        if (i == 0 || strcmp(ls->images[i].root, ls->images[i - 1].root) != 0) {
            if (n < max)
                g[n].first = i, g[n].count = 0;
            n++;
        }
        if (n <= max)
            g[n - 1].count++;
    }
    return n;
}

static int file_cmp(const cxr_archive_image *x, const cxr_archive_image *y)
{
    int c = strcmp(x->split, y->split);
    if (!c)
        c = strcmp(x->klass, y->klass);
    return c ? c : strcmp(x->name, y->name);
}

/* 1 if every file of root a is in root b with the same size (both runs
 * are sorted by split, class and name). */
static int subset(const cxr_archive_listing *ls, root_group a, root_group b)
{
    size_t j = 0;
    for (size_t i = 0; i < a.count; i++) {
        const cxr_archive_image *x = &ls->images[a.first + i];
        int c = 1;
        while (j < b.count && (c = file_cmp(&ls->images[b.first + j], x)) < 0)
            j++;
        if (j == b.count || c != 0 || ls->images[b.first + j].size != x->size)
            return 0;
    }
    return 1;
}

/* "'a' (N images), 'b' (M images)" into buf. */
static void describe(const cxr_archive_listing *ls, const root_group *g, size_t n,
                     char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s'%s' (%zu images)", i ? ", " : "",
                         ls->images[g[i].first].root, g[i].count);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

#define MAX_ROOTS 16

cxr_status cxr_archive_choose_root(const cxr_archive_listing *ls, const char *want,
                                   const char **root, char *note, size_t note_size,
                                   cxr_error *err)
{
    root_group g[MAX_ROOTS];
    size_t n = find_groups(ls, g, MAX_ROOTS), best = 0;
    char list[1024];
    if (note_size)
        note[0] = '\0';
    if (n == 0)
        return cxr_fail(err, CXR_ERR_MISSING, "archive holds no images in the "
                        "'<split>/{NORMAL,PNEUMONIA}/<name>' layout");
    describe(ls, g, n < MAX_ROOTS ? n : MAX_ROOTS, list, sizeof(list));
    if (n > MAX_ROOTS)
        return cxr_fail(err, CXR_ERR_INPUT, "archive has %zu dataset roots (%s, ...); "
                        "refusing it", n, list);
    if (want && strcmp(want, "auto") != 0) {
        const char *w = strcmp(want, ".") == 0 ? "" : want;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(ls->images[g[i].first].root, w)) {
                *root = ls->images[g[i].first].root;
                return CXR_OK;
            }
        return cxr_fail(err, CXR_ERR_MISSING, "dataset root '%s' is not in the archive "
                        "(roots: %s)", want, list);
    }
    /* the root that holds every other root's files; the shortest of equals */
    best = n;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < n && (j == i || subset(ls, g[j], g[i])))
            j++;
        if (j == n && (best == n || strlen(ls->images[g[i].first].root) <
                                        strlen(ls->images[g[best].first].root)))
            best = i;
    }
    if (best == n)
        return cxr_fail(err, CXR_ERR_INPUT, "archive has dataset roots with different "
                        "files, none holding all the others': %s; set sample.archive_root "
                        "to one", list);
    *root = ls->images[g[best].first].root;
    if (n > 1 && note_size)
        snprintf(note, note_size, "archive holds images under %zu roots (%s); using '%s', "
                 "which holds all the others' files", n, list, *root);
    return CXR_OK;
}
