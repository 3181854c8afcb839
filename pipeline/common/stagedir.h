/* stagedir.h: a directory of outputs built under a temporary name beside
 * its final place and swapped in whole, so that the files of one stage
 * (several manifests and a summary) are replaced together or not at all.
 *
 *     cxr_stagedir sd;
 *     cxr_stagedir_open(&sd, "work/manifests/select", &err);
 *     ... write files into sd.tmp ...
 *     cxr_stagedir_commit(&sd, &err);    // or cxr_stagedir_abort(&sd)
 *
 * Where the final directory exists, the swap is one atomic
 * renameat2(RENAME_EXCHANGE); the old contents are then removed. */
#ifndef CXR_STAGEDIR_H
#define CXR_STAGEDIR_H

#include "error.h"

typedef struct cxr_stagedir {
    char *path;  /* owned: the final directory */
    char *tmp;   /* owned: "<parent>/.<name>.tmp.XXXXXX", where files go */
} cxr_stagedir;

/* Creates the parent directories and the temporary directory. */
cxr_status cxr_stagedir_open(cxr_stagedir *sd, const char *path, cxr_error *err);
/* Swaps the temporary directory into place and removes the old one. Frees
 * 'sd' either way; on failure the old directory is left as it was. */
cxr_status cxr_stagedir_commit(cxr_stagedir *sd, cxr_error *err);
/* Removes the temporary directory and frees 'sd'. Safe on a zeroed struct. */
void cxr_stagedir_abort(cxr_stagedir *sd);

/* rm -rf that never follows a symbolic link; a missing path is no error. */
cxr_status cxr_remove_tree(const char *path, cxr_error *err);

#endif
